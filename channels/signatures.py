"""HMAC-SHA256 webhook signatures: computing one over a raw body, and checking the header that carries it.

Pure: no I/O. Every signature we compute is ASCII (hex or base64), so a header value that is not ASCII
never matches; it is refused before the comparison, which would raise ``TypeError`` on such text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["base64_hmac_sha256", "header_matches", "hex_hmac_sha256"]


def _digest(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()


def base64_hmac_sha256(secret: str, body: bytes) -> str:
    """The base64 HMAC-SHA256 of ``body`` keyed with ``secret`` (Shopify's and WooCommerce's form)."""
    return base64.b64encode(_digest(secret, body)).decode()


def hex_hmac_sha256(secret: str, body: bytes) -> str:
    """The lowercase hex HMAC-SHA256 of ``body`` keyed with ``secret``."""
    return _digest(secret, body).hex()


def header_matches(expected: str, header: str | None) -> bool:
    """Whether a signature header carries ``expected``, compared in constant time.

    Surrounding whitespace in the header is ignored. A missing header, or one that is not ASCII (including
    bytes the HTTP parser could not decode), never matches.
    """
    if header is None:
        return False
    value = header.strip()
    if not value.isascii():
        return False
    return hmac.compare_digest(expected.encode("ascii"), value.encode("ascii"))
