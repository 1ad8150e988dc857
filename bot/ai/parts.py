"""Building the AI parts from settings: one client and one semaphore for the three uses, or none at all.

Without ``GEMINI_API_KEY`` there is nothing to build and the rules and templates do everything; with it,
the client is made without retries so a failure falls back at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from google import genai
from google.genai import types
from pydantic import SecretStr

from bot.ai.advisor import Clock, GeminiAdvisor
from bot.ai.classifier import GeminiIntentClassifier
from bot.ai.drafter import GeminiDrafter
from bot.ai.gemini import DEFAULT_CONCURRENCY, DEFAULT_MAX_WAIT, Gemini
from orders.clock import utc_now


class GeminiSettings(Protocol):
    """The settings ``build_ai`` reads (``webhooks.settings.Settings`` has them)."""

    @property
    def gemini_api_key(self) -> SecretStr | None: ...
    @property
    def gemini_model(self) -> str: ...
    @property
    def gemini_base_url(self) -> str | None: ...


@dataclass(frozen=True)
class AiParts:
    """The three uses sharing one client and one semaphore; ``aclose`` on shutdown."""

    gemini: Gemini
    advisor: GeminiAdvisor
    classifier: GeminiIntentClassifier
    drafter: GeminiDrafter

    async def aclose(self) -> None:
        await self.gemini.aclose()


def build_ai(
    settings: GeminiSettings,
    *,
    clock: Clock = utc_now,
    concurrency: int = DEFAULT_CONCURRENCY,
    max_wait: float = DEFAULT_MAX_WAIT,
    timeout: float | None = None,
) -> AiParts | None:
    """Gemini's three uses, or None without ``GEMINI_API_KEY`` (then rules and templates do everything).

    ``concurrency`` bounds the calls in flight across all three uses; ``timeout`` (seconds) replaces each
    use's default (advisor 5, classifier 3, drafter 5).
    """
    key = settings.gemini_api_key.get_secret_value().strip() if settings.gemini_api_key else ""
    if not key:
        return None
    options = types.HttpOptions(
        api_version="v1beta",
        timeout=30_000,  # the per-call timeouts are shorter; this only bounds a call made without one
        retry_options=types.HttpRetryOptions(attempts=1),  # no retries: a failure falls back at once
    )
    if settings.gemini_base_url:
        options.base_url = settings.gemini_base_url
    client = genai.Client(api_key=key, vertexai=False, http_options=options)
    gemini = Gemini(client, settings.gemini_model, concurrency=concurrency, max_wait=max_wait)
    timeouts = {} if timeout is None else {"timeout": timeout}
    return AiParts(
        gemini=gemini,
        advisor=GeminiAdvisor(gemini, clock, **timeouts),
        classifier=GeminiIntentClassifier(gemini, **timeouts),
        drafter=GeminiDrafter(gemini, **timeouts),
    )


__all__ = ["AiParts", "GeminiSettings", "build_ai"]
