"""What the command line says to a person, on stderr: stdout stays for what scripts read (a token, JSON)."""

from __future__ import annotations

import sys


def say(message: str) -> None:
    """One line for the operator, on stderr."""
    print(message, file=sys.stderr)


__all__ = ["say"]
