"""Typed application state: every AppKey the app uses, declared in one place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from bot.inbox import Inbox
from orders.service import OrderService
from orders.shops import ShopDirectory
from orders.store import Database
from webhooks.metrics import Metrics
from webhooks.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
DATABASE = web.AppKey("database", Database)
SERVICE = web.AppKey("service", OrderService)
SHOPS = web.AppKey("shops", ShopDirectory)
METRICS = web.AppKey("metrics", Metrics)
SECRET_KEY = web.AppKey("secret_key", str)
INBOX = web.AppKey("inbox", Inbox)
