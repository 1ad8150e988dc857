"""Reading a provider's JSON webhook body strictly: only what a provider could have sent gets through.

Python's ``json`` module accepts more than JSON: ``NaN`` and ``Infinity``, ``\\ud800`` escapes that decode
into lone surrogates (which no database driver can encode), and it fails with ``RecursionError`` (not
``ValueError``) on deep nesting. Pure: no I/O.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["load_json"]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(body: bytes) -> Any:
    """The JSON value in ``body``; ValueError when it is not UTF-8 JSON fit to store.

    Refused: bytes that are not UTF-8 (overlong forms, encoded surrogates), malformed JSON, ``NaN`` and
    ``Infinity``, integers of more digits than Python converts, nesting deeper than the decoder's stack,
    and strings holding a lone surrogate.
    """
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except ValueError as exc:  # UnicodeDecodeError, JSONDecodeError, too many digits, NaN
        raise ValueError("the body is not valid JSON") from exc
    except RecursionError as exc:
        raise ValueError("the body is nested too deeply") from exc
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("the body holds a lone surrogate (\\ud800-\\udfff) escape") from exc
    except RecursionError as exc:
        raise ValueError("the body is nested too deeply") from exc
    return value
