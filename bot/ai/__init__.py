"""Gemini with guardrails: it advises on progressions, classifies odd messages and drafts personal messages.

The rules and the templates stay in charge. Every call is bounded by a timeout and by one semaphore shared
by all three uses, and every failure (an error, a timeout, a 5xx, an answer that does not parse or that
breaks a guardrail) falls back to what orderbot does without AI: the rules' decision, the menu, the
template. Order facts go out as structured data; a customer's text goes out only as an escaped, delimited
data field that the instructions call untrusted; whatever comes back is validated as data before use.

Where each part lives: ``gemini`` (the shared client, its timeout and concurrency budget), ``advisor``,
``classifier`` and ``drafter`` (one use each: its prompt and the guardrails on its answer), and ``parts``
(``build_ai``, which wires the three uses to one client from the settings).
"""

from bot.ai.advisor import Advice, GeminiAdvisor, advised, advisor_facts, clamp_confidence, trim_reason
from bot.ai.classifier import (
    MESSAGE_TAG,
    Classification,
    GeminiIntentClassifier,
    checked_order_number,
    classified,
    customer_data,
)
from bot.ai.drafter import GeminiDrafter, check_draft, draft_facts
from bot.ai.gemini import Gemini
from bot.ai.parts import AiParts, GeminiSettings, build_ai

__all__ = [
    "MESSAGE_TAG",
    "Advice",
    "AiParts",
    "Classification",
    "Gemini",
    "GeminiAdvisor",
    "GeminiDrafter",
    "GeminiIntentClassifier",
    "GeminiSettings",
    "advised",
    "advisor_facts",
    "build_ai",
    "check_draft",
    "checked_order_number",
    "clamp_confidence",
    "classified",
    "customer_data",
    "draft_facts",
    "trim_reason",
]
