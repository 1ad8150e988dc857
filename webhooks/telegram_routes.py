"""Placeholder while the channels work lands: registers nothing yet."""

from __future__ import annotations

from aiohttp import web

from webhooks.settings import Settings


def setup(app: web.Application, settings: Settings) -> None:
    """Register this channel's routes and resources on the app."""
