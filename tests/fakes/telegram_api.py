"""A fake Telegram Bot API server for tests.

Why it exists: the bot must be tested with the *real* python-telegram-bot stack (HTTPXRequest,
Application, Updater, AIORateLimiter), never against api.telegram.org and without mocking PTB's
internals. This module runs a small aiohttp server on 127.0.0.1 that speaks the Bot API the way
Telegram does: same URL scheme, form/multipart/JSON bodies, ``{"ok": ..., "result": ...}`` answers
with real-shaped objects, the same error codes and descriptions for the limits a bot hits in
practice (4,096 characters, 64-byte ``callback_data``, HTML entities, "message is not modified",
blocked users, 429 flood waits), and getUpdates long polling with offset confirmation.

Usage::

    async with FakeTelegramAPI() as fake:
        app = ApplicationBuilder().token(fake.token).base_url(f"{fake.url}/bot").build()
        fake.user_message(1001, "/start")
        ...
        sent = await fake.wait_for_sent(1)

Deliberate differences from Telegram: the server never delivers webhooks (a webhook test builds
an update with :meth:`FakeTelegramAPI.make_message_update` and POSTs it to the bot itself);
MarkdownV2 text is not validated; with ``strict_html`` (the default) a bare ``&`` or ``>`` in
HTML text is rejected, where Telegram itself lets them through as literal characters.
Descriptions of rarely seen errors (language code, secret token) are close to, not copied from,
Telegram's.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web

JSON = dict[str, Any]
DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijkl"
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64

# Tag -> entity type; the set of tags Telegram accepts in parse_mode=HTML.
_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "a": "text_link", "code": "code", "pre": "pre", "tg-spoiler": "spoiler", "span": "spoiler",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(r"<(/?)([^\s<>/]*)([^<>]*)>")
_ATTR_RE = re.compile(r"""([a-zA-Z_][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]+);")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# Form fields PTB sends as plain strings: never JSON-decode them ("123" must stay "123").
_STRING_FIELDS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "url",
    "secret_token", "language_code", "action", "ip_address", "business_connection_id",
    "message_effect_id", "description", "short_description", "name", "title",
})
# Fields that are JSON objects/arrays; a JSON body may still carry them as JSON strings.
_NESTED_FIELDS = frozenset({
    "reply_markup", "commands", "scope", "entities", "caption_entities", "allowed_updates",
    "link_preview_options", "reply_parameters", "media", "results",
})
_CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
_BUTTON_ACTIONS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                   "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                   "copy_text", "callback_game", "pay")
_NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                 "markup are exactly the same as a current content and reply markup of the message")


class ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": status, "description": ...}``."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class _Failure:
    status: int
    description: str
    parameters: JSON | None
    times: int
    drop: bool
    delay: float


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str, *, strict: bool = True) -> tuple[str, list[JSON]]:
    """Parse Telegram-flavoured HTML into (plain text, entities) or raise ApiError(400)."""

    def fail(reason: str) -> None:
        raise ApiError(400, f"Bad Request: can't parse entities: {reason}")

    def byte_offset(pos: int) -> int:
        return len(text[:pos].encode())

    out: list[str] = []
    out_len = 0  # entity offsets are in UTF-16 code units
    stack: list[tuple[str, dict[str, str], int]] = []
    entities: list[JSON] = []
    i = 0
    while i < len(text):
        char, chunk = text[i], text[i]
        if char == "<":
            match = _TAG_RE.match(text, i)
            if match is None:
                fail(f"Unclosed start tag at byte offset {byte_offset(i)}")
            assert match is not None
            closing, name = match.group(1), match.group(2).lower()
            if closing:
                if not stack:
                    fail(f"Unexpected end tag at byte offset {byte_offset(i)}")
                open_name, attrs, start = stack.pop()
                if name != open_name:
                    fail(f'Unmatched end tag at byte offset {byte_offset(i)}, '
                         f'expected "</{open_name}>", found "</{name}>"')
                entity: JSON = {"type": _HTML_TAGS[name], "offset": start, "length": out_len - start}
                if name == "a":
                    entity["url"] = attrs.get("href", "")
                elif name == "blockquote" and "expandable" in attrs:
                    entity["type"] = "expandable_blockquote"
                elif name == "pre" and "language" in attrs:
                    entity["language"] = attrs["language"]
                elif name == "tg-emoji":
                    entity["custom_emoji_id"] = attrs.get("emoji-id", "")
                elif name == "code" and stack and stack[-1][0] == "pre":
                    css = attrs.get("class", "")
                    if css.startswith("language-"):  # <pre><code class="language-x"> = pre+language
                        stack[-1][1]["language"] = css.removeprefix("language-")
                        entity["length"] = 0
                if entity["length"] > 0:
                    entities.append(entity)
            else:
                attrs = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTR_RE.findall(match.group(3))}
                if name not in _HTML_TAGS or (name == "span" and attrs.get("class") != "tg-spoiler"):
                    fail(f'Unsupported start tag "{name}" at byte offset {byte_offset(i)}')
                stack.append((name, attrs, out_len))
            i = match.end()
            continue
        if char == "&":
            match = _ENTITY_RE.match(text, i)
            decoded = _decode_entity(match.group(1)) if match else None
            if decoded is not None and match is not None:
                chunk, i = decoded, match.end() - 1
            elif strict:
                fail(f"character '&' at byte offset {byte_offset(i)} must be escaped as &amp;")
        elif char == ">" and strict:
            fail(f"character '>' at byte offset {byte_offset(i)} must be escaped as &gt;")
        out.append(chunk)
        out_len += _utf16_len(chunk)
        i += 1
    if stack:
        fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _decode_entity(body: str) -> str | None:
    if not body.startswith("#"):
        return _NAMED_ENTITIES.get(body)
    code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
    return chr(code) if 0 < code <= 0x10FFFF else None


def _decode_form_value(name: str, raw: str) -> Any:
    if name in _STRING_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class FakeTelegramAPI:
    """In-process fake of ``https://api.telegram.org`` for one bot token."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, bot_username: str = "gov_helper_test_bot",
                 bot_first_name: str = "公務小幫手(測試)") -> None:
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot_user: JSON = {"id": int(bot_id) if bot_id.isdigit() else 123456789,
                               "is_bot": True, "first_name": bot_first_name,
                               "username": bot_username}
        self.url = ""
        self.strict_html = True
        # Recordings for assertions.
        self.requests: list[JSON] = []       # every request: method, params, encoding, status
        self.sent: list[JSON] = []           # successful sendMessage / editMessageText
        self.callback_answers: list[JSON] = []
        self.command_sets: dict[tuple[str, str], list[JSON]] = {}  # (scope key, language) -> list
        self.webhook: JSON = {"url": "", "secret_token": None}
        self.messages: dict[tuple[int | str, int], JSON] = {}      # (chat_id, message_id) -> message
        # State.
        self._pending: list[JSON] = []
        self._update_ids = itertools.count(700_000_001)
        self._callback_ids = itertools.count(4_200_000_000_000_000_001)
        self._message_ids: dict[int | str, itertools.count[int]] = {}
        self._open_callbacks: set[str] = set()
        self._users: dict[int, JSON] = {}
        self._blocked: dict[int | str, ApiError] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._poll_generation = 0
        self._closing = False
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, Callable[[JSON], Any]] = {
            name.lower(): getattr(self, "_m_" + name) for name in (
                "getMe", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo",
                "setMyCommands", "getMyCommands", "deleteMyCommands", "sendMessage",
                "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery",
                "sendChatAction", "close", "logOut")
        }

    # ---- lifecycle -------------------------------------------------------------------------
    async def start(self) -> FakeTelegramAPI:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True,
                                     shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramAPI:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---- test controls ---------------------------------------------------------------------
    def fail_next(self, method: str, status: int = 429, *, retry_after: int | None = None,
                  times: int = 1, description: str | None = None, drop: bool = False,
                  delay: float = 0.0) -> None:
        """Make the next ``times`` calls of ``method`` ("*" = any) fail.

        429 answers carry ``parameters.retry_after`` (default 1 s); ``drop=True`` closes the
        connection without an answer; ``delay`` sleeps first (to provoke client timeouts).
        """
        parameters = None
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            parameters = {"retry_after": retry_after}
            description = description or f"Too Many Requests: retry after {retry_after}"
        description = description or HTTPStatus(status).phrase
        self._failures.setdefault(method.lower(), []).append(
            _Failure(status, description, parameters, times, drop, delay))

    def block_chat(self, chat_id: int | str, description: str = "Forbidden: bot was blocked by the user",
                   status: int = 403) -> None:
        """Answer every call aimed at ``chat_id`` with this error (e.g. blocked, deactivated)."""
        self._blocked[chat_id] = ApiError(status, description)

    def unblock_chat(self, chat_id: int | str) -> None:
        self._blocked.pop(chat_id, None)

    @property
    def commands(self) -> dict[str, list[JSON]]:
        """Commands of the default scope, by language code ("" = all languages)."""
        return {lang: cmds for (scope, lang), cmds in self.command_sets.items() if scope == "default"}

    def calls(self, method: str) -> list[JSON]:
        """Params of every request of ``method`` (case-insensitive), in order."""
        return [r["params"] for r in self.requests if r["method"].lower() == method.lower()]

    # ---- incoming updates ------------------------------------------------------------------
    def make_message_update(self, chat_id: int, text: str, *, first_name: str = "測試使用者",
                            language_code: str = "zh-hant", user_id: int | None = None,
                            username: str | None = None) -> JSON:
        """A real-shaped ``message`` update from a user, not queued (for webhook tests)."""
        user: JSON = {"id": user_id or chat_id, "is_bot": False, "first_name": first_name,
                      "language_code": language_code}
        if username:
            user["username"] = username
        self._users[user["id"]] = user
        message = {"message_id": self._next_message_id(chat_id), "from": user,
                   "chat": self._chat(chat_id), "date": int(time.time()), "text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"offset": 0, "length": _utf16_len(command), "type": "bot_command"}]
        self.messages[(chat_id, message["message_id"])] = message
        return {"update_id": next(self._update_ids), "message": copy.deepcopy(message)}

    def make_callback_update(self, chat_id: int, message_id: int, data: str, *,
                             user_id: int | None = None, check: bool = True) -> JSON:
        """A ``callback_query`` update for a button of a message the bot sent (not queued)."""
        message = self.messages.get((chat_id, message_id))
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat_id}")
        if check:
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if data not in [b.get("callback_data") for row in rows for b in row]:
                raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
        user = self._users.get(user_id or chat_id) or {
            "id": user_id or chat_id, "is_bot": False, "first_name": "測試使用者",
            "language_code": "zh-hant"}
        query_id = str(next(self._callback_ids))
        self._open_callbacks.add(query_id)
        return {"update_id": next(self._update_ids), "callback_query": {
            "id": query_id, "from": user, "message": copy.deepcopy(message),
            "chat_instance": str(-abs(chat_id) * 7919 - 1), "data": data}}

    def queue_update(self, update: JSON) -> JSON:
        """Queue any update (even malformed) for getUpdates; assigns update_id if missing."""
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._open_callbacks.add(str(query["id"]))
        self._pending.append(update)
        self._notify()
        return update

    def user_message(self, chat_id: int, text: str, **kwargs: Any) -> JSON:
        """Queue a message from a user; kwargs as in :meth:`make_message_update`."""
        return self.queue_update(self.make_message_update(chat_id, text, **kwargs))

    def press_button(self, chat_id: int, message_id: int, data: str, **kwargs: Any) -> JSON:
        """Queue a button press on a message the bot sent."""
        return self.queue_update(self.make_callback_update(chat_id, message_id, data, **kwargs))

    # ---- waiting ---------------------------------------------------------------------------
    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0,
                       what: str = "condition") -> None:
        """Wait until ``predicate()`` holds; re-checked after every request and queued update."""
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self._changed.wait()
        except TimeoutError:
            texts = [s["text"] for s in self.sent]
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}; sent so far: "
                               f"{texts}; last requests: "
                               f"{[r['method'] for r in self.requests[-10:]]}") from None

    async def wait_for_sent(self, n: int, timeout: float = 5.0) -> list[JSON]:
        await self.wait_for(lambda: len(self.sent) >= n, timeout, f"{n} sent message(s)")
        return list(self.sent)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # ---- HTTP ------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        params, encoding = await self._read_params(request)
        method = request.match_info["method"]
        handler = self._methods.get(method.lower())
        record: JSON = {"method": handler.__name__[3:] if handler else method, "params": params,
                        "encoding": encoding, "time": time.time(), "status": None}
        self.requests.append(record)
        try:
            token = request.match_info["token"]
            if token != self.token:  # Telegram: 404 for a malformed token, 401 for a wrong one
                if re.fullmatch(r"\d+:[\w-]+", token):
                    raise ApiError(401, "Unauthorized")
                raise ApiError(404, "Not Found")
            if handler is None:
                raise ApiError(404, "Not Found")
            failure = self._take_failure(method)
            if failure is not None:
                await asyncio.sleep(failure.delay)
                if failure.drop:
                    record["status"] = "dropped"
                    assert request.transport is not None
                    request.transport.close()
                    raise asyncio.CancelledError  # aiohttp sends nothing on a closed transport
                if failure.status != 200:
                    raise ApiError(failure.status, failure.description, failure.parameters)
            result = await handler(params)
            body = result if isinstance(result, dict) and "ok" in result else {"ok": True, "result": result}
            record["status"] = 200
            return web.json_response(body)
        except ApiError as error:
            record["status"] = error.status
            return web.json_response(error.body(), status=error.status)
        finally:
            self._notify()

    async def _read_params(self, request: web.Request) -> tuple[JSON, str]:
        params: JSON = {k: _decode_form_value(k, v) for k, v in request.query.items()}
        ctype, encoding = request.content_type, "query"
        if ctype == "application/json" and request.can_read_body:
            body = await request.json()
            for key, value in (body if isinstance(body, dict) else {}).items():
                params[key] = json.loads(value) if key in _NESTED_FIELDS and isinstance(value, str) else value
            encoding = "json"
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    params[key] = {"filename": value.filename, "size": len(value.file.read())}
                else:
                    params[key] = _decode_form_value(key, value)
            encoding = "form" if ctype.endswith("urlencoded") else "multipart"
        return params, encoding

    def _take_failure(self, method: str) -> _Failure | None:
        for key in (method.lower(), "*"):
            queue = self._failures.get(key)
            if queue:
                failure = queue[0]
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)
                return failure
        return None

    # ---- helpers ---------------------------------------------------------------------------
    def _next_message_id(self, chat_id: int | str) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _chat(self, chat_id: int | str) -> JSON:
        if isinstance(chat_id, str) or chat_id < 0:
            kind = "supergroup" if str(chat_id).startswith(("-100", "@")) else "group"
            return {"id": chat_id, "title": "測試群組", "type": kind}
        user = self._users.get(chat_id, {"first_name": "測試使用者"})
        chat = {"id": chat_id, "first_name": user["first_name"], "type": "private"}
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    def _target_chat(self, params: JSON) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
            chat_id = int(chat_id)
        if chat_id in self._blocked:
            raise self._blocked[chat_id]
        return chat_id

    def _render(self, params: JSON) -> tuple[str, list[JSON]]:
        text = params.get("text")
        text = "" if text is None else str(text)
        plain, entities = text, params.get("entities") or []
        if str(params.get("parse_mode") or "").lower() == "html":
            plain, entities = parse_html(text, strict=self.strict_html)
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return plain, entities

    @staticmethod
    def _check_markup(markup: Any) -> JSON | None:
        if markup is None or markup == "":
            return None
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError:
                markup = None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return None  # reply keyboards etc. are accepted but not echoed in the Message
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(400, 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup '
                                "must be an Array of Arrays")
        for button in (b for row in rows for b in row):
            if not isinstance(button, dict) or not any(k in button for k in _BUTTON_ACTIONS):
                raise ApiError(400, "Bad Request: can't parse inline keyboard button: "
                                    "Text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup if any(rows) else None

    def _record_sent(self, method: str, params: JSON, message: JSON) -> None:
        self.sent.append({"method": method, "chat_id": message["chat"]["id"],
                          "message_id": message["message_id"], "text": params.get("text"),
                          "parse_mode": params.get("parse_mode"),
                          "reply_markup": message.get("reply_markup"), "message": message,
                          "time": time.time()})

    def _editable(self, params: JSON) -> JSON:
        chat_id = self._target_chat(params)
        message = self.messages.get((chat_id, int(params.get("message_id") or 0)))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _apply_edit(self, message: JSON, text: str, entities: list[JSON], markup: JSON | None) -> JSON:
        if (text, entities, markup) == (message["text"], message.get("entities", []),
                                        message.get("reply_markup")):
            raise ApiError(400, _NOT_MODIFIED)
        message.update(text=text, edit_date=int(time.time()))
        message.pop("entities", None)
        message.pop("reply_markup", None)  # Telegram drops the keyboard unless it is re-sent
        if entities:
            message["entities"] = entities
        if markup:
            message["reply_markup"] = markup
        return copy.deepcopy(message)

    # ---- methods ---------------------------------------------------------------------------
    async def _m_getMe(self, params: JSON) -> JSON:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    async def _m_getUpdates(self, params: JSON) -> list[JSON]:
        if self.webhook["url"]:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        if offset < 0:
            self._pending = self._pending[offset:]
        elif offset > 0:  # confirms every update below offset
            self._pending = [u for u in self._pending if u.get("update_id", 0) >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older long poll still waiting is terminated with 409
        try:
            async with asyncio.timeout(float(params.get("timeout") or 0)):
                while not (self._pending or self._closing or generation != self._poll_generation):
                    await self._changed.wait()
        except TimeoutError:
            pass
        if generation != self._poll_generation and not self._closing:
            raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure "
                                "that only one bot instance is running")
        return copy.deepcopy(self._pending[:max(1, min(limit, 100))])

    async def _m_setWebhook(self, params: JSON) -> JSON:
        url, secret = str(params.get("url") or ""), params.get("secret_token")
        if url and not url.startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        already = self.webhook["url"] == url
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": params.get("allowed_updates"),
                        "max_connections": params.get("max_connections", 40)}
        if not url:
            return {"ok": True, "result": True, "description": "Webhook was deleted"}
        return {"ok": True, "result": True,
                "description": "Webhook is already set" if already else "Webhook was set"}

    async def _m_deleteWebhook(self, params: JSON) -> JSON:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        had = bool(self.webhook["url"])
        self.webhook = {"url": "", "secret_token": None}
        return {"ok": True, "result": True,
                "description": "Webhook was deleted" if had else "Webhook is already deleted"}

    async def _m_getWebhookInfo(self, params: JSON) -> JSON:
        info: JSON = {"url": self.webhook["url"], "has_custom_certificate": False,
                      "pending_update_count": len(self._pending)}
        if self.webhook["url"]:
            info["max_connections"] = self.webhook.get("max_connections", 40)
            if self.webhook.get("allowed_updates"):
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    @staticmethod
    def _command_key(params: JSON) -> tuple[str, str]:
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise ApiError(400, "Bad Request: invalid language code specified")
        scope = params.get("scope") or {"type": "default"}
        parts = [str(scope.get(k)) for k in ("chat_id", "user_id") if k in scope]
        return ":".join([scope.get("type", "default"), *parts]), language

    async def _m_setMyCommands(self, params: JSON) -> bool:
        commands = params.get("commands") or []
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if "description" not in command:
                raise ApiError(400, 'Bad Request: can\'t parse BotCommand: Can\'t find field "description"')
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command["description"])) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._command_key(params)
        if commands:
            self.command_sets[key] = commands
        else:
            self.command_sets.pop(key, None)
        return True

    async def _m_getMyCommands(self, params: JSON) -> list[JSON]:
        return self.command_sets.get(self._command_key(params), [])

    async def _m_deleteMyCommands(self, params: JSON) -> bool:
        self.command_sets.pop(self._command_key(params), None)
        return True

    async def _m_sendMessage(self, params: JSON) -> JSON:
        chat_id = self._target_chat(params)
        text, entities = self._render(params)
        markup = self._check_markup(params.get("reply_markup"))
        message: JSON = {"message_id": 0, "from": self.bot_user, "chat": self._chat(chat_id),
                         "date": int(time.time()), "text": text}
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") or params.get("reply_to_message_id")
        if reply_to:
            original = self.messages.get((chat_id, int(reply_to)))
            if original is not None:
                message["reply_to_message"] = copy.deepcopy(original)
            elif not reply.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
        message["message_id"] = self._next_message_id(chat_id)
        if entities:
            message["entities"] = entities
        if markup:
            message["reply_markup"] = markup
        self.messages[(chat_id, message["message_id"])] = message
        self._record_sent("sendMessage", params, message)
        return copy.deepcopy(message)

    async def _m_editMessageText(self, params: JSON) -> JSON | bool:
        if params.get("inline_message_id"):
            self._render(params)
            return True
        message = self._editable(params)
        text, entities = self._render(params)
        edited = self._apply_edit(message, text, entities,
                                  self._check_markup(params.get("reply_markup")))
        self._record_sent("editMessageText", params, edited)
        return edited

    async def _m_editMessageReplyMarkup(self, params: JSON) -> JSON | bool:
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        return self._apply_edit(message, message["text"], message.get("entities", []),
                                self._check_markup(params.get("reply_markup")))

    async def _m_answerCallbackQuery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_callbacks:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                                "or query ID is invalid")
        self._open_callbacks.discard(query_id)
        self.callback_answers.append({"callback_query_id": query_id, "text": params.get("text"),
                                      "show_alert": bool(params.get("show_alert")),
                                      "url": params.get("url"), "time": time.time()})
        return True

    async def _m_sendChatAction(self, params: JSON) -> bool:
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _m_close(self, params: JSON) -> bool:
        return True

    async def _m_logOut(self, params: JSON) -> bool:
        return True
