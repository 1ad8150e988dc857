"""A stand-in for the Telegram Bot API (``POST /bot<token>/<method>``) on a local port.

It implements the methods python-telegram-bot calls for the staff desk (``getMe``, ``sendMessage``,
``editMessageText``, ``answerCallbackQuery``, ``getFile`` and the file download
``/file/bot<token>/<file_path>`` for photos staff send, which a test adds with ``add_file``), reads parameters the way PTB sends them (form fields whose
non-string values are JSON) or as a JSON body, and answers like Telegram: ``{"ok": true, "result": ...}``
with Bot API ``User`` and ``Message`` objects, or ``{"ok": false, "error_code", "description"}`` with
``parameters.retry_after`` on flood control. It records every call, every sent message and every edit, and
can be scripted to fail the next calls of a method.

Start it with pytest-aiohttp: ``server = await aiohttp_server(standin.app())``; point
``ORDERBOT_TELEGRAM_BASE_URL`` at ``str(server.make_url("")).rstrip("/")``.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

MAX_TEXT = 4096
# Parameters whose form values are JSON-encoded objects or booleans; the rest (text!) stay strings.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "entities",
        "link_preview_options",
        "show_alert",
        "disable_notification",
    }
)


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Sent:
    """A message the bot sent (``text`` and ``reply_markup`` follow later edits; ``edits`` counts them)."""

    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None = None
    edits: int = 0

    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(button["text"], button.get("callback_data", "")) for row in rows for button in row]


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None = None
    chat_id: int | None = None


@dataclass
class TelegramStandin:
    token: str
    bot_id: int = field(init=False)
    bot_username: str = "acme_desk_bot"
    calls: list[Call] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    _ids: dict[int, itertools.count[int]] = field(default_factory=dict)
    #: Files staff "uploaded", by file id: what ``getFile`` describes and the download serves.
    files: dict[str, bytes] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bot_id = int(self.token.split(":", 1)[0])

    # -- scripting and reading -------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id`` only, when given) with an error."""
        failure = _Failure(status, description, retry_after, chat_id)
        self._failures.setdefault(method, []).extend([failure] * times)

    def block(self, method: str = "sendMessage") -> None:
        self.fail_next(method, 403, "Forbidden: bot was blocked by the user")

    def flood(self, retry_after: int = 7, method: str = "sendMessage") -> None:
        self.fail_next(method, 429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    def add_file(self, file_id: str, content: bytes) -> None:
        self.files[file_id] = content

    def messages_to(self, chat_id: int) -> list[Sent]:
        return [message for message in self.sent if message.chat_id == chat_id]

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]

    # -- the API ----------------------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/photos/{file_id}", self._download)
        return app

    async def _download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404)
        self.downloads.append(file_id)
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    def _get_file(self, params: dict[str, Any]) -> web.Response:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        return _ok(
            {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(self.files[file_id]),
             "file_path": f"photos/{file_id}"}
        )  # fmt: skip

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Acme Order Desk",
            "username": self.bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append(Call(method, params))
        failures = self._failures.get(method, [])
        chat = params.get("chat_id")
        if failure := next((f for f in failures if f.chat_id in (None, int(chat or 0))), None):
            failures.remove(failure)
            return _error(failure.status, failure.description, failure.retry_after)
        handler = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
        }.get(method)
        if handler is None:
            return _error(404, "Not Found: method not found")
        return handler(params)

    def _get_me(self, params: dict[str, Any]) -> web.Response:
        return _ok(self.bot_user())

    def _send_message(self, params: dict[str, Any]) -> web.Response:
        if "chat_id" not in params:
            return _error(400, "Bad Request: chat_id is empty")
        text = str(params.get("text", ""))
        if problem := _text_problem(text):
            return _error(400, problem)
        chat_id = int(params["chat_id"])
        message_id = next(self._ids.setdefault(chat_id, itertools.count(1)))
        sent = Sent(chat_id, message_id, text, params.get("reply_markup"))
        self.sent.append(sent)
        return _ok(self._message(sent))

    def _edit_message_text(self, params: dict[str, Any]) -> web.Response:
        chat_id, message_id = int(params.get("chat_id", 0)), int(params.get("message_id", 0))
        found = [m for m in self.sent if (m.chat_id, m.message_id) == (chat_id, message_id)]
        if not found:
            return _error(400, "Bad Request: message to edit not found")
        text = str(params.get("text", ""))
        if problem := _text_problem(text):
            return _error(400, problem)
        message = found[0]
        markup = params.get("reply_markup")
        if text == message.text and markup == message.reply_markup:
            return _error(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message",
            )
        message.text, message.reply_markup, message.edits = text, markup, message.edits + 1
        return _ok({**self._message(message), "edit_date": int(time.time())})

    def _answer_callback_query(self, params: dict[str, Any]) -> web.Response:
        if "callback_query_id" not in params:
            return _error(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self.callback_answers.append(params)
        return _ok(True)

    def _message(self, sent: Sent) -> dict[str, Any]:
        chat: dict[str, Any] = (
            {"id": sent.chat_id, "type": "private", "first_name": "Staff"}
            if sent.chat_id > 0
            else {"id": sent.chat_id, "type": "supergroup", "title": "Staff room"}
        )
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "from": {
                k: v for k, v in self.bot_user().items() if k in ("id", "is_bot", "first_name", "username")
            },
            "chat": chat,
            "date": int(time.time()),
            "text": sent.text,
        }
        if sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        return message


def _text_problem(text: str) -> str | None:
    if not text.strip():
        return "Bad Request: message text is empty"
    if len(text) > MAX_TEXT:
        return "Bad Request: message is too long"
    return None


async def _params(request: web.Request) -> dict[str, Any]:
    """Parameters as Telegram reads them: a JSON body, or query/form fields with JSON-encoded values."""
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    fields: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        fields.update((await request.post()).items())
    return {
        name: json.loads(value) if name in _JSON_FIELDS and isinstance(value, str) else value
        for name, value in fields.items()
    }


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)
