"""What the benchmarks set up alike: a scratch database, the store opened on it, settings from arguments
alone, and the process helpers (a free port, a process's CPU time).

The scratch database is a fresh database on ``MONGODB_URI`` when it is set, else an embedded server in a
temporary folder that goes away with the folder; a given server keeps the database unless the benchmark
drops it. Scripts import this module by name (``import harness``): it sits next to them on ``sys.path``.
"""

from __future__ import annotations

import os
import secrets
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from pymongo.errors import PyMongoError

from orders.store import Database, open_database
from webhooks.ops.embedded import embedded_mongodb
from webhooks.settings import Settings

SECRET_KEY = "bench-secret-key-" + "b" * 32


@contextmanager
def mongodb(tmp: Path) -> Iterator[tuple[str, str]]:
    """(uri, database name): MONGODB_URI with a fresh database, else a new embedded server under tmp."""
    name = f"orderbot_bench_{secrets.token_hex(4)}"
    if uri := os.environ.get("MONGODB_URI"):
        print(f"using MONGODB_URI, database {name}")
        yield uri, name
        return
    started = time.perf_counter()
    with embedded_mongodb(tmp / "embedded") as uri:
        print(f"embedded database up in {time.perf_counter() - started:.1f} s ({uri})")
        yield uri, name


@contextmanager
def scratch_database(prefix: str = "orderbot-bench-") -> Iterator[tuple[str, str, Path]]:
    """(uri, database name, temporary folder) for one run: see ``mongodb``."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp, mongodb(Path(tmp)) as (uri, name):
        yield uri, name, Path(tmp)


def given_server() -> bool:
    """Whether the database is on a server the caller gave (``MONGODB_URI``), which outlives the run."""
    return bool(os.environ.get("MONGODB_URI"))


@asynccontextmanager
async def opened(uri: str, name: str, *, drop: bool = False) -> AsyncIterator[Database]:
    """The store on ``name`` with its indexes; dropped afterwards when ``drop``, then closed.

    The timeout is long: the embedded server can be busy for seconds under a loader's writes, and the
    driver's monitor would then interrupt them."""
    db = open_database(uri, name, secret_keys=[SECRET_KEY], timeout_ms=120_000)
    try:
        await db.ensure_indexes()
        yield db
    finally:
        if drop:
            try:
                await db.drop()
            except PyMongoError as exc:
                print(f"could not drop database {name}: {exc}", flush=True)
        await db.close()


class BenchSettings(Settings):
    """Settings from the arguments alone, so that no provider key in the caller's environment is used."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def web_env(uri: str, name: str, tmp: Path, **settings: str) -> dict[str, str]:
    """The environment of an ``orderbot web`` process on the scratch database: the caller's own, less
    any database, orderbot or Twilio setting in it, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "ORDERBOT_", "TWILIO_"))}
    env.update(
        MONGODB_URI=uri,
        MONGODB_DB=name,
        ORDERBOT_SECRET_KEY=SECRET_KEY,
        ORDERBOT_DATA_DIR=str(tmp / "var"),
        ORDERBOT_LOG_LEVEL="WARNING",
    )
    env.update(settings)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a process has used so far; 0.0 where there is no /proc to read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
