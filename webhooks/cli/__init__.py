"""The ``orderbot`` command. Settings are read here, once, and passed down."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import phonenumbers
from aiohttp import web
from pydantic import ValidationError

from bot.chat import chat
from bot.languages import detect
from orders.clock import utc_now
from orders.crypto import SealError
from orders.model import Shop
from orders.store import AlreadyExists, Database, NotFound
from webhooks.access.auth import ROLES, issue_token
from webhooks.app import build_app, run_worker
from webhooks.bootstrap import build_service, command_database, resolve_secret_key
from webhooks.cli import analytics as analytics_commands
from webhooks.cli import estimates as eta_commands
from webhooks.cli import imports as import_command
from webhooks.cli import keys as key_commands
from webhooks.cli import shops as shop_commands
from webhooks.cli import templates as template_commands
from webhooks.cli.demo import ensure_demo_shop
from webhooks.cli.demo_history import seed_history
from webhooks.cli.output import say
from webhooks.ops import logs
from webhooks.ops.connections import serve
from webhooks.ops.embedded import EmbeddedDatabaseError, embedded_mongodb
from webhooks.settings import Settings

T = TypeVar("T")
log = logging.getLogger("orderbot")


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[Settings]:
    """Settings with a database: MONGODB_URI, else the embedded server for the data dir."""
    if settings.mongodb_uri:
        yield settings
        return
    with embedded_mongodb(settings.data_dir) as uri:
        yield settings.model_copy(update={"mongodb_uri": uri})


async def _with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async with command_database(settings) as db:
        return await work(db)


async def freeze_heap(_app: web.Application) -> None:
    """Keep what start-up built, which lives as long as the process, out of the garbage collector's passes.

    The SDKs and models loaded at start leave a large heap that every full collection would walk again,
    and no request is answered while it does.
    """
    gc.collect()
    gc.freeze()


async def warm_language_models(_app: web.Application) -> None:
    """Load the language detector's models at start: they load on first use, and the first customer to write
    would otherwise wait for them before the bot could read their language."""
    await asyncio.to_thread(detect.warm)


def web_process_app(settings: Settings, *, with_worker: bool) -> web.Application:
    """The app ``orderbot web`` and ``serve`` run: ``build_app``, with the language models loaded and the heap
    frozen once it has started."""
    app = build_app(settings, with_worker=with_worker)
    app.on_startup.append(warm_language_models)
    app.on_startup.append(freeze_heap)  # last: after the database, channels, AI clients and language models
    return app


def _serve(settings: Settings, args: argparse.Namespace, *, with_worker: bool) -> None:
    settings = settings.model_copy(
        update={k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    )
    app = web_process_app(settings, with_worker=with_worker)
    if getattr(args, "demo", False):
        shop = asyncio.run(_with_database(settings, lambda db: _demo(db, settings)))
        token = issue_token(resolve_secret_key(settings), shop.id, now=utc_now(), role="admin", days=30)
        print(
            f"orderbot demo\n  base URL:       {settings.base_url}\n  shop id:        {shop.id}\n"
            f"  webhook secret: {shop.webhook_secret}\n  API token:      {token}\n"
            f"  order desk:     {dashboard_link(settings, token)}\n",
            flush=True,
        )
    _until_signalled(lambda: serve(app, settings, access_log_class=logs.AccessLog))


async def _demo(db: Database, settings: Settings) -> Shop:
    """The demo shop, its live orders and its past (as a running service would have made them)."""
    now = utc_now()
    shop = await ensure_demo_shop(build_service(db, utc_now), db.shops, db.orders, now)
    await seed_history(
        db, shop, now, lambda clock: build_service(db, clock, survey_hours=settings.csat_delay_hours)
    )
    return shop


def _until_signalled(run: Callable[[], Awaitable[None]]) -> None:
    """Run until it ends or SIGINT/SIGTERM cancels it (its own clean-up then runs)."""

    async def main() -> None:
        task = asyncio.ensure_future(run())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(main())


def _worker(settings: Settings) -> None:
    say("orderbot worker running; Ctrl-C to stop")
    _until_signalled(lambda: run_worker(settings))


def _shop_add(settings: Settings, args: argparse.Namespace) -> None:
    shop = shop_commands.new_configured_shop(args, utc_now())

    async def add(db: Database) -> None:
        await db.shops.add(shop)

    asyncio.run(_with_database(settings, add))
    print(json.dumps(shop_commands.shop_json(shop)))


def _shop_set(settings: Settings, args: argparse.Namespace) -> None:
    async def change(db: Database) -> Shop:
        return await shop_commands.change_shop(build_service(db, utc_now), db.shops, args.shop, args)

    print(json.dumps(shop_commands.shop_json(asyncio.run(_with_database(settings, change)))))


def _shop_list(settings: Settings) -> None:
    async def shops(db: Database) -> list[Shop]:
        return await db.shops.list()

    print(
        json.dumps([shop_commands.shop_json(shop) for shop in asyncio.run(_with_database(settings, shops))])
    )


def _token(settings: Settings, args: argparse.Namespace) -> str:
    async def check(db: Database) -> Shop:
        return await db.shops.get(args.shop)

    asyncio.run(_with_database(settings, check))
    return issue_token(resolve_secret_key(settings), args.shop, now=utc_now(), role=args.role, days=args.days)


def dashboard_link(settings: Settings, token: str) -> str:
    """The order desk's address with the token in the fragment, which browsers never send to a server."""
    return f"{settings.base_url}/dashboard#token={token}"


def _chat(settings: Settings, args: argparse.Namespace) -> None:
    try:
        phone = phonenumbers.format_number(
            phonenumbers.parse(args.phone), phonenumbers.PhoneNumberFormat.E164
        )
    except phonenumbers.NumberParseException:
        raise ValueError(
            f"--as needs a phone number in international form (+14155550100), not {args.phone!r}"
        ) from None

    async def read() -> str | None:
        try:
            return await asyncio.to_thread(input, "you> ")
        except EOFError:
            return None

    def write(text: str) -> None:
        print(f"bot> {text.replace(chr(10), chr(10) + '     ')}", flush=True)

    say(f"Chatting with shop {args.shop} as {phone} ({args.style} style). Ctrl-D to quit.")

    async def talk(db: Database) -> None:
        service = build_service(db, utc_now)
        await chat(
            service, args.shop, phone, stores=db, style=args.style, read=read, write=write, clock=utc_now
        )

    asyncio.run(_with_database(settings, talk))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orderbot", description="Order-status chat service.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="web and worker in one process (embedded database if needed)")
    serve.add_argument("--demo", action="store_true", help="create a demo shop and print how to use it")
    web_cmd = commands.add_parser("web", help="serve HTTP only (Procfile: web)")
    for sub in (serve, web_cmd):
        sub.add_argument("--host")
        sub.add_argument("--port", type=int)
    commands.add_parser("worker", help="run the periodic jobs only (Procfile: worker)")
    shop = commands.add_parser("shop", help="manage shops").add_subparsers(dest="shop_command", required=True)
    add = shop.add_parser("add", help="add a shop; prints it as JSON")
    add.add_argument("--name", required=True)
    shop_commands.add_setting_options(add)
    change = shop.add_parser("set", help="change a shop's settings; prints it as JSON")
    change.add_argument("--shop", required=True)
    change.add_argument("--name")
    shop_commands.add_setting_options(change)
    shop.add_parser("list", help="list shops as a JSON array")
    token = commands.add_parser("token", help="issue an API token for a shop; prints the token alone")
    token_for = token.add_mutually_exclusive_group(required=True)
    token_for.add_argument("--shop")
    token_for.add_argument("--revoke", metavar="JTI", help="revoke a token by its jti (or the token itself)")
    token.add_argument("--role", choices=ROLES, default="staff")
    token.add_argument("--days", type=float, default=30)
    commands.add_parser("rotate-key", help="reseal shop secrets with the current key")
    link = commands.add_parser("dashboard-link", help="print the order desk's sign-in link for a shop")
    link.add_argument("--shop", required=True)
    link.add_argument("--role", choices=ROLES, default="staff")
    link.add_argument("--days", type=float, default=30)
    template_commands.add_parser(commands)
    talk = commands.add_parser("chat", help="talk to the bot as a customer, at the terminal")
    talk.add_argument("--shop", required=True)
    talk.add_argument("--as", dest="phone", required=True, metavar="PHONE")
    talk.add_argument("--style", choices=("whatsapp", "sms", "instagram"), default="whatsapp")
    import_command.add_parser(commands)
    eta_commands.add_parser(commands)
    analytics_commands.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValueError as exc:
        say(f"orderbot: invalid configuration: {exc}")
        return 2
    log_format = settings.log_format or ("json" if args.command in ("web", "worker") else "text")
    logs.configure(log_format, level=settings.log_level, secrets=settings.secret_values())
    try:
        with _database(settings) as settings:
            _dispatch(settings, args)
    except EmbeddedDatabaseError as exc:
        say(f"orderbot: {exc}")
        return 1
    except NotFound as exc:
        say(f"orderbot: {exc}")
        return 1
    except SealError as exc:  # a shop sealed with a key no longer configured
        say(f"orderbot: {exc}")
        return 1
    except AlreadyExists as exc:
        say(f"orderbot: {exc}")
        return 1
    except ValueError as exc:
        if not isinstance(exc, ValidationError):
            say(f"orderbot: {exc}")
            return 2
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        say(f"orderbot: invalid input: {problems}")
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def _dispatch(settings: Settings, args: argparse.Namespace) -> None:
    match args.command:
        case "serve" | "web":
            _serve(settings, args, with_worker=args.command == "serve")
        case "worker":
            _worker(settings)
        case "shop" if args.shop_command == "add":
            _shop_add(settings, args)
        case "shop" if args.shop_command == "set":
            _shop_set(settings, args)
        case "shop":
            _shop_list(settings)
        case "token" if args.revoke:
            key_commands.revoke(settings, args.revoke)
        case "token":
            print(_token(settings, args))
        case "rotate-key":
            key_commands.rotate_key(settings)
        case "dashboard-link":
            print(dashboard_link(settings, _token(settings, args)))
        case "chat":
            _chat(settings, args)
        case "templates" | "import" | "eta" | "analytics":
            commands = {
                "templates": template_commands, "import": import_command, "eta": eta_commands,
                "analytics": analytics_commands,
            }  # fmt: skip
            commands[args.command].run(settings, args)
