"""``orderbot rotate-key`` and ``orderbot token --revoke``: the operator's side of keys and tokens.

Rotation, without downtime: give every process the new key as ``ORDERBOT_SECRET_KEY`` and the old one in
``ORDERBOT_OLD_SECRET_KEYS`` (each process then opens secrets and verifies tokens with either, and seals and
signs with the new one); run ``orderbot rotate-key`` once, which reseals every shop's secrets with the new
key (plaintext ones from before encryption included); drop the old key once the tokens it signed have
expired or been replaced.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import jwt

from orders.clock import utc_now
from orders.crypto import SealError, key_id
from webhooks.app import database_for, resolve_secret_key
from webhooks.cli.output import say
from webhooks.settings import Settings

__all__ = ["revoke", "rotate_key"]


def rotate_key(settings: Settings) -> None:
    """Reseal every shop's secrets with the newest key; exit 1 naming the shop a configured key cannot open."""

    async def reseal() -> tuple[int, int]:
        db = database_for(settings)
        try:
            return await db.shops.reseal_all()
        finally:
            await db.close()

    try:
        changed, seen = asyncio.run(reseal())
    except SealError as exc:
        say(f"orderbot: {exc}; shops before it were resealed, nothing after it")
        raise SystemExit(1) from None
    say(f"resealed {changed} of {seen} shops with key {key_id(resolve_secret_key(settings))}")


def _token_id(value: str) -> tuple[str, datetime | None]:
    """A token id and, when a whole token is given, when it expires (its revocation can go then)."""
    if value.count(".") != 2:
        return value, None
    try:
        claims = jwt.decode(value, options={"verify_signature": False, "verify_exp": False})
    except jwt.InvalidTokenError:
        raise ValueError("--revoke takes a token id (jti) or a token; this is neither") from None
    if not isinstance(claims.get("jti"), str):
        raise ValueError("this token has no jti to revoke")
    expires = claims.get("exp")
    return claims["jti"], datetime.fromtimestamp(expires, UTC) if isinstance(expires, int | float) else None


def revoke(settings: Settings, value: str) -> None:
    """Revoke a token by its id (or the token itself): every web process refuses it from its next request."""
    token_id, expires = _token_id(value.strip())

    async def store() -> bool:
        db = database_for(settings)
        try:
            await db.ensure_indexes()
            return await db.revocations.revoke(token_id, utc_now(), expires)
        finally:
            await db.close()

    new = asyncio.run(store())
    say(f"revoked token {token_id}" if new else f"token {token_id} was already revoked")
