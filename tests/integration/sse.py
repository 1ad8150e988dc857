"""Reading a Server-Sent Events stream in tests, line by line as a browser's EventSource does."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientResponse


@dataclass
class Event:
    event: str
    data: Any
    id: str | None


@dataclass
class SseReader:
    response: ClientResponse
    #: Comment lines seen (heartbeats).
    comments: list[str] = field(default_factory=list)

    async def next(self, timeout: float = 3.0) -> Event:
        """The next event; TimeoutError when none comes within ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            fields: dict[str, str] = {}
            while True:
                raw = await self.response.content.readline()
                if not raw:
                    raise ConnectionError("the stream ended")
                line = raw.decode().rstrip("\r\n")
                if line.startswith(":"):
                    self.comments.append(line)
                    continue
                if line == "":
                    if "data" in fields or "event" in fields:
                        return Event(fields.get("event", "message"), json.loads(fields.get("data", "null")),
                                     fields.get("id"))  # fmt: skip
                    continue
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")

    async def until(self, kind: str, timeout: float = 3.0) -> list[Event]:
        """Every event up to and including the first of ``kind``."""
        seen: list[Event] = []
        while True:
            event = await self.next(timeout)
            seen.append(event)
            if event.event == kind:
                return seen

    async def quiet(self, seconds: float) -> list[Event]:
        """The events that come within ``seconds`` (none expected, usually)."""
        seen: list[Event] = []
        try:
            while True:
                seen.append(await self.next(seconds))
        except TimeoutError:
            return seen
