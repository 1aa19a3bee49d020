"""A fake Telegram Bot API server for tests.

Why it exists: the bot is tested through the *real* python-telegram-bot stack (HTTPXRequest,
Application, Updater, AIORateLimiter) without api.telegram.org and without mocking PTB. This
aiohttp server on 127.0.0.1 speaks the Bot API as Telegram does: ``/bot<token>/<method>`` with
form, multipart or JSON bodies; ``{"ok": ..., "result": ...}`` answers with real-shaped objects;
Telegram's error codes and descriptions for the limits bots hit (4,096 characters, 64-byte
``callback_data``, HTML entities, "message is not modified", blocked users, 429 flood waits);
getUpdates long polling with offset confirmation. Use it as
``ApplicationBuilder().token(fake.token).base_url(f"{fake.url}/bot")``.

Flood limits are off unless asked for: ``max_per_second`` (the whole bot) and
``max_per_chat_per_second`` make it answer messages sent too fast with Telegram's 429, counted in
``rate_limited``; :class:`RateWindow` documents the tolerance.

Deliberate differences: webhooks are stored, never delivered (webhook tests POST
:meth:`FakeTelegramAPI.make_message_update` to the bot themselves); MarkdownV2 is not checked;
with ``strict_html`` (default) a bare ``&`` or ``>`` in HTML is rejected, where Telegram keeps
it as a literal character. Rarely seen error descriptions are close to Telegram's, not copied.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, NoReturn

from aiohttp import web

from tests.fakes.rate_window import RateWindow

JSON = dict[str, Any]
DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijkl"
MAX_TEXT, MAX_CALLBACK_DATA = 4096, 64
_HTML_TAGS = {  # tag -> entity type, for the tags Telegram accepts with parse_mode=HTML
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_TAG_RE = re.compile(r"<(/?)([^\s<>/]*)([^<>]*)>")
_ATTR_RE = re.compile(r"""([a-zA-Z_][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_STRING_FIELDS = frozenset(
    {  # form fields PTB sends as bare strings: never JSON-decode them
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "language_code",
        "action",
        "ip_address",
        "description",
        "name",
        "title",
    }
)
_NESTED_FIELDS = frozenset(
    {  # objects that may arrive as JSON strings even in a JSON body
        "reply_markup",
        "commands",
        "scope",
        "entities",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
    }
)
_BUTTON_KINDS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_METHODS = (
    "getMe",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "getMyCommands",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "sendChatAction",
    "close",
    "logOut",
)
_BLOCKED = "Forbidden: bot was blocked by the user"
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": status, "description": ...}``."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> JSON:
        body = {"ok": False, "error_code": self.status, "description": self.description}
        return body | {"parameters": self.parameters} if self.parameters else body


@dataclass
class _Failure:
    error: ApiError | None  # None: answer normally (after ``delay``)
    times: int
    drop: bool
    delay: float


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str, *, strict: bool = True) -> tuple[str, list[JSON]]:
    """Parse Telegram-flavoured HTML into (plain text, entities), or raise ApiError(400)."""

    def fail(reason: str, pos: int | None = None) -> NoReturn:
        where = "" if pos is None else f" at byte offset {len(text[:pos].encode())}"
        raise ApiError(400, f"Bad Request: can't parse entities: {reason}{where}")

    out: list[str] = []
    out_len = 0  # entity offsets and lengths count UTF-16 code units
    stack: list[tuple[str, dict[str, str], int]] = []
    entities: list[JSON] = []
    i = 0
    while i < len(text):
        chunk = text[i]
        if chunk == "<":
            tag = _TAG_RE.match(text, i)
            if tag is None:
                fail("Unclosed start tag", i)
            name = tag.group(2).lower()
            if tag.group(1):  # end tag
                if not stack:
                    fail("Unexpected end tag", i)
                open_name, attrs, start = stack.pop()
                if name != open_name:
                    fail(
                        f"Unmatched end tag at byte offset {len(text[:i].encode())}, "
                        f'expected "</{open_name}>", found "</{name}>"'
                    )
                entity = {"type": _HTML_TAGS[name], "offset": start, "length": out_len - start}
                if name == "a":
                    entity["url"] = attrs.get("href", "")
                elif name == "blockquote" and "expandable" in attrs:
                    entity["type"] = "expandable_blockquote"
                if entity["length"]:
                    entities.append(entity)
            else:
                attrs = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTR_RE.findall(tag.group(3))}
                spoiler_span = name != "span" or attrs.get("class") == "tg-spoiler"
                if name not in _HTML_TAGS or not spoiler_span:
                    fail(f'Unsupported start tag "{name}"', i)
                stack.append((name, attrs, out_len))
            i = tag.end()
            continue
        if chunk == "&":
            entity_ref = _ENTITY_RE.match(text, i)
            if entity_ref:
                chunk, i = _unescape(entity_ref.group(1)), entity_ref.end() - 1
            elif strict:
                fail("character '&' must be escaped as &amp;", i)
        elif chunk == ">" and strict:
            fail("character '>' must be escaped as &gt;", i)
        out.append(chunk)
        out_len += _utf16_len(chunk)
        i += 1
    if stack:
        fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _unescape(ref: str) -> str:
    if ref in _NAMED:
        return _NAMED[ref]
    code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
    return chr(code) if 0 < code <= 0x10FFFF else f"&{ref};"


def _decode_field(name: str, raw: str) -> Any:
    if name in _STRING_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class FakeTelegramAPI:
    """In-process fake of ``https://api.telegram.org`` for one bot token.

    ``max_per_second`` and ``max_per_chat_per_second`` (None: no limit; attributes of the same
    names, changeable later) enforce Telegram's flood limits on the calls that put a message in a
    chat (``send*`` but sendChatAction, ``edit*``): one over a limit is answered 429 "retry after",
    counted in ``rate_limited`` and neither performed nor recorded in ``sent``. Only accepted
    messages count against the limits; see :class:`RateWindow` for the tolerance.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "gov_helper_test_bot",
        bot_first_name: str = "公務小幫手(測試)",
        max_per_second: float | None = None,
        max_per_chat_per_second: float | None = None,
    ) -> None:
        for limit in (max_per_second, max_per_chat_per_second):
            if limit is not None and not limit > 0:
                raise ValueError(f"a rate limit must be positive, not {limit!r}")
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot_user: JSON = {
            "id": int(bot_id) if bot_id.isdigit() else 123456789,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.url = ""
        self.strict_html = True
        self.max_per_second = max_per_second  # messages per second for the whole bot
        self.max_per_chat_per_second = max_per_chat_per_second
        self.rate_limited = 0  # 429s answered because of these two limits (fail_next ones excluded)
        # Recordings for assertions.
        self.requests: list[JSON] = []  # every request: method, params, encoding, time, status
        self.sent: list[JSON] = []  # successful sendMessage/editMessageText; text as submitted
        self.callback_answers: list[JSON] = []
        self.command_sets: dict[tuple[str, str], list[JSON]] = {}  # (scope, language) -> commands
        self.webhook: JSON = {"url": "", "secret_token": None}
        self.messages: dict[tuple[int | str, int], JSON] = {}  # current state of every message
        # Internal state.
        self._pending: list[JSON] = []
        self._update_ids = itertools.count(700_000_001)
        self._query_ids = itertools.count(4_200_000_000_000_000_001)
        self._message_ids: dict[int | str, itertools.count[int]] = {}
        self._open_queries: set[str] = set()
        self._users: dict[int, JSON] = {}
        self._blocked: dict[int | str, ApiError] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._rate_bot = RateWindow()
        self._rate_chats: dict[int | str, RateWindow] = {}
        self._poll_generation = 0
        self._closing = False
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        # Method names are case-insensitive on Telegram; records use the documented spelling.
        self._methods: dict[str, tuple[str, Callable[[JSON], Any]]] = {
            name.lower(): (name, getattr(self, "_m_" + name)) for name in _METHODS
        }

    async def start(self) -> FakeTelegramAPI:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # handler_cancellation: a request whose client went away (a cancelled long poll) stops.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def stop(self) -> None:
        self._closing = True  # wakes long polls so that shutdown is immediate
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramAPI:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---- test controls ---------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
        drop: bool = False,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*": any method) fail.

        429 answers carry ``parameters.retry_after`` (default 1 s). ``drop=True`` closes the
        connection without an answer. ``delay`` waits before answering.
        """
        error, parameters = None, None
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            parameters = {"retry_after": retry_after}
            description = description or f"Too Many Requests: retry after {retry_after}"
        if status != 200:
            error = ApiError(status, description or HTTPStatus(status).phrase, parameters)
        self._failures.setdefault(method.lower(), []).append(_Failure(error, times, drop, delay))

    def slow_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Process the next calls normally but answer ``seconds`` late. As with Telegram, a
        client that times out meanwhile has still sent its message."""
        self.fail_next(method, 200, times=times, delay=seconds)

    def block_chat(self, chat_id: int | str, description: str = _BLOCKED, status: int = 403) -> None:
        """Answer every call aimed at ``chat_id`` with this error (blocked, deactivated...)."""
        self._blocked[chat_id] = ApiError(status, description)

    def unblock_chat(self, chat_id: int | str) -> None:
        self._blocked.pop(chat_id, None)

    @property
    def commands(self) -> dict[str, list[JSON]]:
        """Commands of the default scope by language code ("" = every language)."""
        return {language: commands for (scope, language), commands in self.command_sets.items() if scope == "default"}

    def calls(self, method: str) -> list[JSON]:
        """Params of every request of ``method`` (case-insensitive), in order."""
        return [r["params"] for r in self.requests if r["method"].lower() == method.lower()]

    # ---- incoming updates ------------------------------------------------------------------
    def make_message_update(
        self,
        chat_id: int,
        text: str,
        *,
        first_name: str = "測試使用者",
        language_code: str = "zh-hant",
        user_id: int | None = None,
        username: str | None = None,
    ) -> JSON:
        """A real-shaped ``message`` update from a user; not queued (for webhook tests)."""
        user: JSON = {
            "id": user_id or chat_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        } | ({"username": username} if username else {})
        self._users[user["id"]] = user
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"offset": 0, "length": _utf16_len(command), "type": "bot_command"}]
        self.messages[(chat_id, message["message_id"])] = message
        return {"update_id": next(self._update_ids), "message": copy.deepcopy(message)}

    def make_callback_update(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None, check: bool = True
    ) -> JSON:
        """A ``callback_query`` update for a button of a bot message; not queued.

        With ``check``, ``data`` must be on the message's current keyboard."""
        message = self.messages.get((chat_id, message_id))
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat_id}")
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        if check and data not in [button.get("callback_data") for row in rows for button in row]:
            raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
        user = self._users.get(user_id or chat_id) or {
            "id": user_id or chat_id,
            "is_bot": False,
            "first_name": "測試使用者",
            "language_code": "zh-hant",
        }
        query = {
            "id": str(next(self._query_ids)),
            "from": user,
            "message": copy.deepcopy(message),
            "chat_instance": str(-abs(chat_id) * 7919 - 1),
            "data": data,
        }
        self._open_queries.add(query["id"])  # the bot may answer it once
        return {"update_id": next(self._update_ids), "callback_query": query}

    def queue_update(self, update: JSON) -> JSON:
        """Queue any update (even a malformed one) for getUpdates; adds update_id if missing."""
        update.setdefault("update_id", next(self._update_ids))
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._open_queries.add(str(query["id"]))
        self._pending.append(update)
        self._notify()
        return update

    def user_message(self, chat_id: int, text: str, **kwargs: Any) -> JSON:
        """Queue a message from a user; kwargs as in :meth:`make_message_update`."""
        return self.queue_update(self.make_message_update(chat_id, text, **kwargs))

    def press_button(self, chat_id: int, message_id: int, data: str, **kwargs: Any) -> JSON:
        """Queue a press on a button of a message the bot sent."""
        return self.queue_update(self.make_callback_update(chat_id, message_id, data, **kwargs))

    # ---- waiting ---------------------------------------------------------------------------
    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
        """Wait until ``predicate()`` holds; re-checked after every request and queued update."""
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(
                f"timed out after {timeout}s waiting for {what}; sent: "
                f"{[s['text'] for s in self.sent]}; last requests: "
                f"{[(r['method'], r['status']) for r in self.requests[-8:]]}"
            ) from None

    async def wait_for_sent(self, n: int, timeout: float = 5.0) -> list[JSON]:
        """Wait until at least ``n`` messages were sent or edited; returns ``sent``."""
        await self.wait_for(lambda: len(self.sent) >= n, timeout, f"{n} sent message(s)")
        return list(self.sent)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # ---- HTTP ------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method, token = request.match_info["method"], request.match_info["token"]
        name, handler = self._methods.get(method.lower(), (method, None))
        record: JSON = {"method": name, "params": {}, "encoding": None, "time": time.time(), "status": "cancelled"}
        self.requests.append(record)
        try:
            record["params"], record["encoding"] = await self._read_params(request)
            if token != self.token and re.fullmatch(r"\d+:[\w-]+", token):
                raise ApiError(401, "Unauthorized")  # a well-formed but wrong token
            if token != self.token or handler is None:  # a malformed token or unknown method
                raise ApiError(404, "Not Found")
            failure = self._take_failure(method)
            if failure and failure.drop:
                record["status"] = "dropped"
                assert request.transport is not None
                request.transport.close()
                raise asyncio.CancelledError  # aiohttp then writes nothing
            if failure and failure.error:
                await asyncio.sleep(failure.delay)
                raise failure.error
            release = self._take_rate_slot(name, record["params"])  # or the 429 of an enforced limit
            try:
                result = await handler(record["params"])
            except BaseException:
                release()  # a refused message does not count against the limits
                raise
            if failure:
                await asyncio.sleep(failure.delay)
            record["status"] = 200
            return web.json_response(
                result if isinstance(result, dict) and "ok" in result else {"ok": True, "result": result}
            )
        except (TypeError, ValueError, AttributeError) as exc:  # parameters of the wrong shape
            error = ApiError(400, f"Bad Request: invalid parameters: {exc}")
            record["status"] = 400
            return web.json_response(error.body(), status=400)
        except ApiError as error:
            record["status"] = error.status
            return web.json_response(error.body(), status=error.status)
        finally:
            self._notify()

    async def _read_params(self, request: web.Request) -> tuple[JSON, str]:
        params = {k: _decode_field(k, v) for k, v in request.query.items()}
        if request.content_type == "application/json" and request.can_read_body:
            try:
                body = await request.json()
                for key, value in body.items():
                    nested = key in _NESTED_FIELDS and isinstance(value, str)
                    params[key] = json.loads(value) if nested else value
            except (ValueError, AttributeError):
                raise ApiError(400, "Bad Request: can't parse JSON object") from None
            return params, "json"
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    params[key] = {"filename": value.filename, "size": len(value.file.read())}
                else:
                    params[key] = _decode_field(key, value)
            return params, "form" if request.content_type.endswith("urlencoded") else "multipart"
        return params, "query"  # PTB sends no body at all for a call without parameters

    def _take_failure(self, method: str) -> _Failure | None:
        for queue in (self._failures.get(method.lower()), self._failures.get("*")):
            if queue:
                queue[0].times -= 1
                return queue.pop(0) if queue[0].times <= 0 else queue[0]
        return None

    def _take_rate_slot(self, method: str, params: JSON) -> Callable[[], None]:
        """Count a message against the enforced limits, or raise their 429; returns the undo."""
        windows: list[tuple[RateWindow, float]] = []
        if method.startswith(("send", "edit")) and method != "sendChatAction":
            if self.max_per_second is not None:
                windows.append((self._rate_bot, self.max_per_second))
            chat_id = self._chat_id(params)  # None for inline messages and missing chat_id
            if self.max_per_chat_per_second is not None and chat_id is not None:
                windows.append((self._rate_chats.setdefault(chat_id, RateWindow()), self.max_per_chat_per_second))
        now = time.monotonic()
        wait = max((window.wait(limit, now) for window, limit in windows), default=0.0)
        if wait > 0:
            self.rate_limited += 1
            retry_after = max(1, math.ceil(wait))  # 1 for whole-number limits
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        for window, _ in windows:
            window.add(now)

        def release() -> None:
            for window, _ in windows:
                window.release(now)

        return release

    # ---- helpers ---------------------------------------------------------------------------
    def _next_message_id(self, chat_id: int | str) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _chat(self, chat_id: int | str) -> JSON:
        if isinstance(chat_id, str) or chat_id < 0:
            kind = "supergroup" if str(chat_id).startswith(("-100", "@")) else "group"
            return {"id": chat_id, "title": "測試群組", "type": kind}
        user = self._users.get(chat_id, {"first_name": "測試使用者"})
        return {"id": chat_id, "first_name": user["first_name"], "type": "private"} | (
            {"username": user["username"]} if "username" in user else {}
        )

    @staticmethod
    def _chat_id(params: JSON) -> int | str | None:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            return None
        if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
            return int(chat_id)
        return chat_id

    def _target_chat(self, params: JSON) -> int | str:
        chat_id = self._chat_id(params)
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        if chat_id in self._blocked:
            raise self._blocked[chat_id]
        return chat_id

    def _render(self, params: JSON) -> tuple[str, list[JSON]]:
        text = "" if params.get("text") is None else str(params["text"])
        plain, entities = text, params.get("entities") or []
        if str(params.get("parse_mode") or "").lower() == "html":
            plain, entities = parse_html(text, strict=self.strict_html)
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > MAX_TEXT:  # Telegram counts characters after entity parsing
            raise ApiError(400, "Bad Request: message is too long")
        return plain, entities

    @staticmethod
    def _inline_keyboard(markup: Any) -> JSON | None:
        """Validate reply_markup; return it if it is an inline keyboard (the only kind that
        Telegram echoes back in the Message)."""
        if isinstance(markup, str) and markup:
            try:
                markup = json.loads(markup)
            except ValueError:
                pass
        if markup in (None, ""):
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return None
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(
                400, 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for button in (button for row in rows for button in row):
            if not isinstance(button, dict) or not any(k in button for k in _BUTTON_KINDS):
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: Text "
                    "buttons are unallowed in the inline keyboard",
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup if any(rows) else None

    def _record_sent(self, method: str, params: JSON, message: JSON) -> JSON:
        self.sent.append(
            {
                "method": method,
                "chat_id": message["chat"]["id"],
                "message_id": message["message_id"],
                "text": params.get("text"),
                "parse_mode": params.get("parse_mode"),
                "time": time.time(),
                "reply_markup": message.get("reply_markup"),
                "message": copy.deepcopy(message),
            }
        )  # a snapshot: edits come later
        return copy.deepcopy(message)

    def _edit(self, params: JSON, new_text: bool) -> JSON:
        """Edit a bot message: its text (if ``new_text``) and keyboard (removed if not sent)."""
        chat_id = self._target_chat(params)
        message = self.messages.get((chat_id, int(params.get("message_id") or 0)))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        text, entities = self._render(params) if new_text else (message["text"], message.get("entities", []))
        markup = self._inline_keyboard(params.get("reply_markup"))
        if (text, entities, markup) == (message["text"], message.get("entities", []), message.get("reply_markup")):
            raise ApiError(400, _NOT_MODIFIED)
        for key in ("entities", "reply_markup"):  # a keyboard not re-sent is removed
            message.pop(key, None)
        message.update(
            {"text": text, "edit_date": int(time.time())},
            **({"entities": entities} if entities else {}),
            **({"reply_markup": markup} if markup else {}),
        )
        return message

    @staticmethod
    def _command_key(params: JSON) -> tuple[str, str]:
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):  # ISO 639-1 only: "zh"
            raise ApiError(400, "Bad Request: invalid language code specified")
        scope = params.get("scope") or {"type": "default"}
        ids = [str(scope[k]) for k in ("chat_id", "user_id") if k in scope]
        return ":".join([scope.get("type", "default"), *ids]), language

    # ---- Bot API methods -------------------------------------------------------------------
    async def _m_getMe(self, params: JSON) -> JSON:
        return self.bot_user | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_getUpdates(self, params: JSON) -> list[JSON]:
        if self.webhook["url"]:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        if offset < 0:  # the last -offset updates; older ones are forgotten
            self._pending = self._pending[offset:]
        elif offset:  # confirms every update below offset
            self._pending = [u for u in self._pending if u.get("update_id", 0) >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # a long poll still waiting is terminated with 409, as on Telegram
        try:
            async with asyncio.timeout(float(params.get("timeout") or 0)):
                while not (self._pending or self._closing or generation != self._poll_generation):
                    await self._changed.wait()
        except TimeoutError:
            pass
        if generation != self._poll_generation and not self._closing:
            raise ApiError(
                409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
            )
        return copy.deepcopy(self._pending[: max(1, min(limit, 100))])

    async def _m_setWebhook(self, params: JSON) -> JSON:
        url, secret = str(params.get("url") or ""), params.get("secret_token")
        if url and not url.startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = {
            "url": url,
            "secret_token": secret if url else None,
            "allowed_updates": params.get("allowed_updates"),
            "max_connections": params.get("max_connections", 40),
        }
        description = "Webhook was set" if url else "Webhook was deleted"
        return {"ok": True, "result": True, "description": description}

    async def _m_deleteWebhook(self, params: JSON) -> JSON:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        had_webhook, self.webhook = bool(self.webhook["url"]), {"url": "", "secret_token": None}
        description = "Webhook was deleted" if had_webhook else "Webhook is already deleted"
        return {"ok": True, "result": True, "description": description}

    async def _m_getWebhookInfo(self, params: JSON) -> JSON:
        info = {"url": self.webhook["url"], "has_custom_certificate": False, "pending_update_count": len(self._pending)}
        if self.webhook["url"]:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["allowed_updates"]:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _m_setMyCommands(self, params: JSON) -> bool:
        commands = params.get("commands") or []
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if "description" not in command:
                raise ApiError(400, "Bad Request: can't parse BotCommand: Can't find field \"description\"")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        key = self._command_key(params)
        self.command_sets.pop(key, None)
        if commands:  # an empty list deletes them
            self.command_sets[key] = commands
        return True

    async def _m_getMyCommands(self, params: JSON) -> list[JSON]:
        return self.command_sets.get(self._command_key(params), [])

    async def _m_sendMessage(self, params: JSON) -> JSON:
        chat_id = self._target_chat(params)
        text, entities = self._render(params)
        markup = self._inline_keyboard(params.get("reply_markup"))
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            "text": text,
        }
        message |= ({"entities": entities} if entities else {}) | ({"reply_markup": markup} if markup else {})
        self.messages[(chat_id, message["message_id"])] = message
        return self._record_sent("sendMessage", params, message)

    async def _m_editMessageText(self, params: JSON) -> JSON:
        return self._record_sent("editMessageText", params, self._edit(params, True))

    async def _m_editMessageReplyMarkup(self, params: JSON) -> JSON:
        return copy.deepcopy(self._edit(params, False))

    async def _m_answerCallbackQuery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_queries:  # unknown, or answered already
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._open_queries.discard(query_id)
        self.callback_answers.append(
            {
                "callback_query_id": query_id,
                "text": params.get("text"),
                "show_alert": bool(params.get("show_alert")),
                "url": params.get("url"),
                "time": time.time(),
            }
        )
        return True

    async def _m_sendChatAction(self, params: JSON) -> bool:
        self._target_chat(params)
        return True

    async def _m_close(self, params: JSON) -> bool:  # close and logOut: harmless here
        return True

    _m_logOut = _m_close
