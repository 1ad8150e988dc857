"""Secrets at rest: AES-256-GCM under keys derived from ``ORDERBOT_SECRET_KEY``, rotatable without downtime.

A sealed value reads ``enc1:<key id>:<base64url(nonce + ciphertext)>``. The key id names the key it was
sealed with, so several keys can be active at once: values are sealed with the newest key and opened with
whichever key they name. The context (say, ``shop_3f…/webhook_secret``) is bound in as associated data, so
a sealed value copied to another field or shop does not open. A value without the prefix is plaintext from
before encryption and is returned as it is (the migration path: ``reseal`` encrypts it).

Pure: no I/O. The keys are the operator's secret strings; each is stretched with HKDF-SHA256 into an
encryption key and, separately, a public key id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["SealError", "SecretBox", "UnknownKey", "is_sealed", "key_id"]

_PREFIX = "enc1"
_NONCE_BYTES = 12
_ENCRYPTION_INFO = b"orderbot secrets at rest v1"


class SealError(Exception):
    """A sealed value that does not open: corrupt, tampered with, or moved to another context."""


class UnknownKey(SealError):
    """A value sealed with a key that is not among the configured ones."""


def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


def key_id(secret: str) -> str:
    """A short public name for a key (it reveals nothing of the key: a hash of a derived value)."""
    return hashlib.sha256(_derive(secret, b"orderbot key id v1")).hexdigest()[:12]


class SecretBox:
    """Seals with the newest key, opens with any configured one.

    Args:
        keys: the operator's keys, newest first (``ORDERBOT_SECRET_KEY``, then ``ORDERBOT_OLD_SECRET_KEYS``).
    """

    def __init__(self, keys: Sequence[str]) -> None:
        distinct = [key for key in dict.fromkeys(keys) if key]
        if not distinct:
            raise ValueError("at least one secret key is needed")
        self._keys = {key_id(key): AESGCM(_derive(key, _ENCRYPTION_INFO)) for key in distinct}
        self.current_key_id = key_id(distinct[0])

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every configured key's id, newest first."""
        return tuple(self._keys)

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._keys[self.current_key_id].encrypt(nonce, plaintext.encode(), context.encode())
        encoded = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{_PREFIX}:{self.current_key_id}:{encoded}"

    def open(self, value: str, context: str) -> str:
        """The plaintext of a sealed value; a value that was never sealed is returned unchanged."""
        if not is_sealed(value):
            return value
        _, kid, encoded = value.split(":", 2)
        key = self._keys.get(kid)
        if key is None:
            raise UnknownKey(
                f"{context} was sealed with key {kid}, which is not ORDERBOT_SECRET_KEY or one of "
                "ORDERBOT_OLD_SECRET_KEYS"
            )
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            return key.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()).decode()
        except (InvalidTag, ValueError, binascii.Error) as exc:
            raise SealError(f"{context} does not open with key {kid}: corrupt or moved") from exc

    def is_current(self, value: str) -> bool:
        """Whether ``value`` is sealed with the newest key (nothing for ``reseal`` to do)."""
        return is_sealed(value) and value.split(":", 2)[1] == self.current_key_id

    def reseal(self, value: str, context: str) -> str:
        """``value`` sealed with the newest key, whatever it was sealed with before (or plaintext)."""
        return value if self.is_current(value) else self.seal(self.open(value, context), context)


def is_sealed(value: str) -> bool:
    return value.startswith(f"{_PREFIX}:") and value.count(":") >= 2
