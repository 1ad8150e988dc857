"""The one Gemini client every AI use shares, and the budget that keeps it harmless.

Each call is bounded by a timeout and by one semaphore shared by all uses, so a slow or failing model
costs at most a few seconds and never more calls in flight than the process allows. Every failure (an
error, a timeout, a 5xx, an answer that does not parse) returns None and is counted, and the caller falls
back to what orderbot does without AI. Answers are validated strictly as data before anyone reads them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections import Counter
from typing import Any, TypeVar

from google import genai
from google.genai import errors, types
from pydantic import BaseModel, ConfigDict

log = logging.getLogger(__name__)

Answer = TypeVar("Answer", bound=BaseModel)

DEFAULT_CONCURRENCY = 16
DEFAULT_MAX_WAIT = 30.0  # seconds a call may wait for a free slot before it falls back

#: Answers are validated strictly: ``"yes"`` is not a bool and ``"0.9"`` is not a number.
STRICT = ConfigDict(strict=True)


class Gemini:
    """One model behind one client; every call is bounded by a timeout and by the shared semaphore."""

    def __init__(
        self,
        client: genai.Client,
        model: str,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        max_wait: float = DEFAULT_MAX_WAIT,
    ) -> None:
        self.client = client
        self.model = model
        self.max_wait = max_wait
        self._gate = asyncio.Semaphore(concurrency)
        self.outcomes: Counter[str] = Counter()  # "advisor:ok", "classifier:timeout", ... for tests and ops

    async def ask(
        self, use: str, system: str, prompt: str, schema: type[Answer], timeout: float
    ) -> Answer | None:
        """The model's answer validated as ``schema``, or None after any failure (logged and counted).

        ``timeout`` bounds the call; waiting for a free slot is bounded by ``max_wait`` (then: "busy").
        """
        config = types.GenerateContentConfig(
            system_instruction=system,
            response_mime_type="application/json",
            response_schema=schema,
            temperature=0.0,
            candidate_count=1,
            http_options=types.HttpOptions(timeout=math.ceil(timeout * 1000)),
        )
        try:
            async with asyncio.timeout(self.max_wait):
                await self._gate.acquire()
        except TimeoutError:
            self._failed(use, "busy")
            return None
        try:
            async with asyncio.timeout(timeout):
                response = await self.client.aio.models.generate_content(
                    model=self.model, contents=prompt, config=config
                )
            answer = _validated(response, schema)
        except TimeoutError:
            outcome = "timeout"
        except errors.APIError as exc:
            outcome = f"http_{exc.code}"
        except ValueError as exc:  # pydantic's ValidationError and JSON errors are ValueErrors
            outcome = f"malformed ({type(exc).__name__})"
        except Exception as exc:  # a vendor SDK may raise anything; the caller falls back either way
            outcome = f"error ({type(exc).__name__})"
        else:
            self.outcomes[f"{use}:ok"] += 1
            return answer
        finally:
            self._gate.release()
        self._failed(use, outcome)
        return None

    def _failed(self, use: str, outcome: str) -> None:
        self.outcomes[f"{use}:{outcome.partition(' ')[0]}"] += 1
        log.warning("gemini %s failed (%s); falling back", use, outcome)

    async def aclose(self) -> None:
        await self.client.aio.aclose()
        self.client.close()


def _validated(response: types.GenerateContentResponse, schema: type[Answer]) -> Answer:
    candidate = response.candidates[0] if response.candidates else None
    if candidate is None:
        raise ValueError("no candidate (blocked prompt?)")
    if candidate.finish_reason not in (None, types.FinishReason.STOP):
        raise ValueError(f"finished with {candidate.finish_reason}")
    if isinstance(response.parsed, schema):
        return response.parsed
    return schema.model_validate_json(response.text or "")


def json_data(value: Any) -> str:
    """JSON that cannot close a delimiter: ``<`` and ``>`` are escaped as well as quotes and newlines."""
    return json.dumps(value, ensure_ascii=False, default=str).replace("<", "\\u003c").replace(">", "\\u003e")


__all__ = ["DEFAULT_CONCURRENCY", "DEFAULT_MAX_WAIT", "STRICT", "Gemini", "json_data"]
