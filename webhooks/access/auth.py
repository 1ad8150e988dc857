"""API tokens: HS256 JWTs with ``sub``, ``shop_id``, ``role``, ``exp`` and ``jti``."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import jwt

Role = Literal["staff", "admin"]
#: Lowest first: a role may do everything the roles before it may (an admin runs the order desk too).
ROLES: tuple[Role, ...] = ("staff", "admin")
_ALGORITHM = "HS256"


class AuthError(Exception):
    """A missing, malformed, expired or otherwise unacceptable token."""


class RoleRefused(Exception):
    """A valid token whose role may not use the operation (403 ``forbidden_role``).

    Not an :class:`AuthError`: the token itself is good. The abuse guard counts only failed authentications,
    so a person who clicks what their role may not use does not lock out the address they share.
    """

    code = "forbidden_role"

    def __init__(self, role: Role, needed: Role) -> None:
        super().__init__(f"this needs the {needed} role; this token's role is {role}")
        self.role = role
        self.needed = needed


def may(role: Role, needed: Role) -> bool:
    """Whether a token of ``role`` may use what needs ``needed``."""
    return ROLES.index(role) >= ROLES.index(needed)


@dataclass(frozen=True)
class Principal:
    subject: str
    shop_id: str
    role: Role
    token_id: str


def issue_token(
    secret: str,
    shop_id: str,
    *,
    now: datetime,
    role: Role = "staff",
    days: float = 30,
    subject: str | None = None,
) -> str:
    claims = {
        "sub": subject or f"{role}@{shop_id}",
        "shop_id": shop_id,
        "role": role,
        "iat": now,
        "exp": now + timedelta(days=days),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def verify_token(secret: str | Sequence[str], token: str) -> Principal:
    """The token's principal, if any of the keys signed it (several during a key rotation, newest first)."""
    keys = [secret] if isinstance(secret, str) else list(secret)
    claims: dict[str, Any] | None = None
    for key in keys:
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[_ALGORITHM],
                options={"require": ["sub", "shop_id", "role", "exp", "jti"]},
            )
            break
        except jwt.InvalidSignatureError:
            continue  # perhaps signed with an older key
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise AuthError("invalid token") from exc
    if claims is None:
        raise AuthError("invalid token")
    role = claims["role"]
    if role not in ROLES or not isinstance(claims["shop_id"], str):
        raise AuthError("invalid token")
    return Principal(
        subject=str(claims["sub"]), shop_id=claims["shop_id"], role=role, token_id=str(claims["jti"])
    )


def bearer_token(header: str | None) -> str:
    if not header:
        raise AuthError("missing bearer token")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("expected 'Authorization: Bearer <token>'")
    return token.strip()
