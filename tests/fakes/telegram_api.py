"""A fake Telegram Bot API server for tests.

Why it exists: the bot is tested through the *real* python-telegram-bot stack (HTTPXRequest,
Application, Updater, AIORateLimiter) without api.telegram.org and without mocking PTB. This
aiohttp server on 127.0.0.1 speaks the Bot API as Telegram does: ``/bot<token>/<method>`` with
form, multipart or JSON bodies; ``{"ok": ..., "result": ...}`` answers with real-shaped objects;
Telegram's error codes and descriptions for the limits bots hit (4,096 characters, 64-byte
``callback_data``, HTML entities, "message is not modified", blocked users, 429 flood waits);
getUpdates long polling with offset confirmation; files (``getFile``, the file URL, ``sendDocument``
uploads, photo/document/sticker/voice... updates). Use it as
``ApplicationBuilder().token(fake.token).base_url(f"{fake.url}/bot").base_file_url(f"{fake.url}/file/bot")``.

Flood limits are off unless asked for: ``max_per_second`` (the whole bot) and
``max_per_chat_per_second`` make it answer messages sent too fast with Telegram's 429, counted in
``rate_limited``; :class:`RateWindow` documents the tolerance.

Deliberate differences: webhooks are stored, never delivered (webhook tests POST
:meth:`FakeTelegramAPI.make_message_update` to the bot themselves); MarkdownV2 is not checked;
with ``strict_html`` (default) a bare ``&`` or ``>`` in HTML is rejected, where Telegram keeps
it as a literal character. Rarely seen error descriptions are close to Telegram's, not copied.
Photos are not re-encoded: every PhotoSize of an update serves the bytes given, and the full
size has their own dimensions (PNG/JPEG) rather than Telegram's 1280-pixel rescale.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import math
import mimetypes
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, NoReturn

from aiohttp import web

from tests.fakes.rate_window import RateWindow

JSON = dict[str, Any]
DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijkl"
MAX_TEXT, MAX_CALLBACK_DATA, MAX_CAPTION = 4096, 64, 1024
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files: "file is too big"
MAX_UPLOAD = 50 * 1024 * 1024  # a bot uploads at most 50 MB: 413 "Request Entity Too Large"
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
        "file_id",
        "document",  # a string one is a file_id (or URL); an upload is a file part
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
        "caption_entities",
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
    "sendDocument",
    "getFile",
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


_FILE_KINDS: dict[str, tuple[str, str, str, str]] = {
    # kind -> (file_id prefix, file_unique_id prefix, file_path directory, default extension); the
    # prefixes are those of Telegram's own ids (they encode the kind of file), the rest is random.
    "photo": ("AgACAgUAAxkBAAI", "AQAD", "photos", ".jpg"),
    "document": ("BQACAgUAAxkBAAI", "AgAD", "documents", ""),
    "sticker": ("CAACAgUAAxkBAAI", "AgAD", "stickers", ".webp"),
    "voice": ("AwACAgUAAxkBAAI", "AgAD", "voice", ".oga"),
    "video": ("BAACAgUAAxkBAAI", "AgAD", "videos", ".mp4"),
    "audio": ("CQACAgUAAxkBAAI", "AgAD", "music", ".mp3"),
}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of PNG or JPEG bytes, None for anything else."""
    if data.startswith(_PNG_SIGNATURE) and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if not data.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 9 <= len(data) and data[i] == 0xFF:
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        i += 2 + length
    return None


class FakeTelegramAPI:
    """In-process fake of ``https://api.telegram.org`` for one bot token.

    ``max_per_second`` and ``max_per_chat_per_second`` (None: no limit; attributes of the same
    names, changeable later) enforce Telegram's flood limits on the calls that put a message in a
    chat (``send*`` but sendChatAction, ``edit*``): one over a limit is answered 429 "retry after",
    counted in ``rate_limited`` and neither performed nor recorded in ``sent``. Only accepted
    messages count against the limits; see :class:`RateWindow` for the tolerance.

    Files: :meth:`add_file` and the ``make_*_update`` builders register bytes under a file_id;
    ``getFile`` gives their ``file_path`` (refusing files over 20 MB, as Telegram does for bots)
    and ``GET /file/bot<token>/<file_path>`` serves them: build the bot with
    ``base_file_url=f"{fake.url}/file/bot"``. ``sendDocument`` takes multipart uploads (at most
    50 MB) or a known file_id; what was sent is in ``sent`` with a ``"document"`` key.
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
        # file_id -> file_id, file_unique_id, file_size, file_path, mime_type, file_name, data
        self.files: dict[str, JSON] = {}
        self.downloads: list[JSON] = []  # every GET of /file/bot<token>/<path>: file_path, time, status
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
        self._file_paths: dict[str, str] = {}  # file_path -> file_id
        self._file_numbers = itertools.count(0)
        self._poll_generation = 0
        self._closing = False
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        # Method names are case-insensitive on Telegram; records use the documented spelling.
        self._methods: dict[str, tuple[str, Callable[[JSON], Any]]] = {
            name.lower(): (name, getattr(self, "_m_" + name)) for name in _METHODS
        }

    async def start(self) -> FakeTelegramAPI:
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)  # 50 MB and the other fields
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
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
        connection without an answer. ``delay`` waits before answering. ``"download"`` fails
        file downloads (``GET /file/bot...``) instead; "*" does not cover them.
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
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [{"offset": 0, "length": _utf16_len(command), "type": "bot_command"}]
        return self._message(chat_id, user, content)

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

    # ---- files and media updates -----------------------------------------------------------
    def add_file(self, data: bytes, *, mime_type: str | None = None, file_name: str | None = None) -> JSON:
        """Store ``data`` as a file the bot may fetch (getFile, then the file URL) or re-send
        by file_id; returns ``{"file_id", "file_unique_id", "file_size"}``."""
        return self._add_file(data, "document", mime_type=mime_type, file_name=file_name)

    def make_photo_update(
        self,
        chat_id: int,
        data: bytes,
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
        language_code: str = "zh-hant",
    ) -> JSON:
        """A photo from a user; not queued. ``photo`` holds two sizes, largest last: a 90 px
        thumbnail and the full image (PNG/JPEG dimensions read from ``data``, else 1280x960).
        Both file_ids serve ``data`` itself."""
        width, height = _image_size(data) or (1280, 960)
        scale = min(1.0, 90 / max(width, height, 1))
        sizes = [
            (max(1, round(width * scale)), max(1, round(height * scale))),
            (width, height),
        ]
        mime_type = "image/png" if data.startswith(_PNG_SIGNATURE) else "image/jpeg"  # served as given
        photo = [self._add_file(data, "photo", mime_type=mime_type) | {"width": w, "height": h} for w, h in sizes]
        content: JSON = {"photo": photo}
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        if caption is not None:
            content["caption"] = caption
        return self._incoming(chat_id, content, language_code=language_code)

    def make_document_update(
        self, chat_id: int, data: bytes, *, mime_type: str, file_name: str, caption: str | None = None
    ) -> JSON:
        """A file sent "as a file" (an image too: then ``mime_type`` is image/*); not queued."""
        document = {"file_name": file_name, "mime_type": mime_type} | self._add_file(
            data, "document", mime_type=mime_type, file_name=file_name
        )
        content: JSON = {"document": document} | ({"caption": caption} if caption is not None else {})
        return self._incoming(chat_id, content)

    def make_sticker_update(self, chat_id: int) -> JSON:
        """A static sticker (WebP, 512x512) from a user; not queued."""
        webp = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
        sticker = self._add_file(webp, "sticker", mime_type="image/webp") | {
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
            "set_name": "TestStickers_by_gov_helper_test_bot",
        }
        return self._incoming(chat_id, {"sticker": sticker})

    def make_location_update(self, chat_id: int, latitude: float = 25.03, longitude: float = 121.56) -> JSON:
        """A shared location (not live) from a user; not queued."""
        return self._incoming(chat_id, {"location": {"latitude": latitude, "longitude": longitude}})

    def make_voice_update(self, chat_id: int) -> JSON:
        """A 3-second voice note (Opus in Ogg) from a user; not queued."""
        voice = {"duration": 3, "mime_type": "audio/ogg"} | self._add_file(
            b"OggS\x00\x02" + bytes(200), "voice", mime_type="audio/ogg"
        )
        return self._incoming(chat_id, {"voice": voice})

    def make_video_update(self, chat_id: int) -> JSON:
        """A 5-second 1280x720 MP4 video from a user; not queued."""
        data = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(500)
        video = {"width": 1280, "height": 720, "duration": 5, "mime_type": "video/mp4"} | self._add_file(
            data, "video", mime_type="video/mp4"
        )
        return self._incoming(chat_id, {"video": video})

    def make_audio_update(self, chat_id: int) -> JSON:
        """A 3-minute MP3 sent as music from a user; not queued."""
        audio = {
            "duration": 180,
            "performer": "測試樂團",
            "title": "測試歌曲",
            "file_name": "song.mp3",
            "mime_type": "audio/mpeg",
        } | self._add_file(b"ID3\x04\x00\x00" + bytes(300), "audio", mime_type="audio/mpeg", file_name="song.mp3")
        return self._incoming(chat_id, {"audio": audio})

    def _add_file(self, data: bytes, kind: str, *, mime_type: str | None, file_name: str | None = None) -> JSON:
        id_prefix, unique_prefix, directory, extension = _FILE_KINDS[kind]
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1].lower()
        elif not extension and mime_type:
            extension = mimetypes.guess_extension(mime_type, strict=False) or ""
        file_path = f"{directory}/file_{next(self._file_numbers)}{extension}"
        entry = {
            "file_id": id_prefix + secrets.token_urlsafe(54),
            "file_unique_id": unique_prefix + secrets.token_urlsafe(9),
            "file_size": len(data),
        }
        self.files[entry["file_id"]] = entry | {
            "file_path": file_path,
            "mime_type": mime_type or mimetypes.guess_type(file_path, strict=False)[0] or "application/octet-stream",
            "file_name": file_name,
            "data": bytes(data),
        }
        self._file_paths[file_path] = entry["file_id"]
        return entry

    def _incoming(self, chat_id: int, content: JSON, *, language_code: str = "zh-hant") -> JSON:
        """A ``message`` update from the user of ``chat_id`` (as make_message_update makes them)."""
        known = self._users.get(chat_id)
        user: JSON = {"id": chat_id, "is_bot": False, "first_name": "測試使用者"} if known is None else dict(known)
        user["language_code"] = language_code
        return self._message(chat_id, user, content)

    def _message(self, chat_id: int, user: JSON, content: JSON) -> JSON:
        """A ``message`` update from ``user`` in the private chat ``chat_id``, remembered as sent."""
        self._users[user["id"]] = user
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        self.messages[(chat_id, message["message_id"])] = message
        return {"update_id": next(self._update_ids), "message": copy.deepcopy(message)}

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

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """``GET /file/bot<token>/<file_path>``: the bytes of a file, as api.telegram.org serves them."""
        token, path = request.match_info["token"], request.match_info["path"]
        record: JSON = {"file_path": path, "time": time.time(), "status": "cancelled"}
        self.downloads.append(record)
        try:
            if token != self.token:
                well_formed = re.fullmatch(r"\d+:[\w-]+", token)
                raise ApiError(401, "Unauthorized") if well_formed else ApiError(404, "Not Found")
            failure = self._take_failure("download", wildcard=False)
            if failure and failure.drop:
                record["status"] = "dropped"
                assert request.transport is not None
                request.transport.close()
                raise asyncio.CancelledError
            if failure:
                await asyncio.sleep(failure.delay)
                if failure.error:
                    raise failure.error
            file_id = self._file_paths.get(path)
            if file_id is None:
                raise ApiError(404, "Not Found")
            file = self.files[file_id]
            record["status"] = 200
            return web.Response(body=file["data"], headers={"Content-Type": file["mime_type"]})
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
            try:
                fields = await request.post()
            except web.HTTPRequestEntityTooLarge:
                raise ApiError(413, "Request Entity Too Large") from None
            for key, value in fields.items():
                if isinstance(value, web.FileField):  # an uploaded file part
                    data = value.file.read()
                    params[key] = {
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "size": len(data),
                        "data": data,
                    }
                else:
                    params[key] = _decode_field(key, value)
            return params, "form" if request.content_type.endswith("urlencoded") else "multipart"
        return params, "query"  # PTB sends no body at all for a call without parameters

    def _take_failure(self, method: str, *, wildcard: bool = True) -> _Failure | None:
        for queue in (self._failures.get(method.lower()), self._failures.get("*") if wildcard else None):
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

    def _render_caption(self, params: JSON) -> tuple[str, list[JSON]]:
        caption = "" if params.get("caption") is None else str(params["caption"])
        plain, entities = caption, params.get("caption_entities") or []
        if str(params.get("parse_mode") or "").lower() == "html":
            plain, entities = parse_html(caption, strict=self.strict_html)
        if len(plain) > MAX_CAPTION:  # counted after entity parsing, as for text
            raise ApiError(400, "Bad Request: message caption is too long")
        return plain, entities

    def _input_file(self, params: JSON, field: str) -> JSON:
        """The file of an ``InputFile`` field: an upload (its part, or "attach://<part>") or the
        file_id of a file Telegram has; registered, so that the bot may getFile it later."""
        value = params.get(field)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))
        if value in (None, ""):
            raise ApiError(400, f"Bad Request: there is no {field} in the request")
        if isinstance(value, str):
            known = self.files.get(value)
            if known is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            return known
        if not isinstance(value, dict) or "data" not in value:
            raise ApiError(400, f"Bad Request: there is no {field} in the request")
        if not value["data"]:
            raise ApiError(400, "Bad Request: file must be non-empty")
        if len(value["data"]) > MAX_UPLOAD:
            raise ApiError(413, "Request Entity Too Large")
        file_name = value.get("filename") or field
        mime_type = value.get("content_type") or ""
        if mime_type in ("", "application/octet-stream"):  # Telegram goes by the name then
            mime_type = mimetypes.guess_type(file_name, strict=False)[0] or "application/octet-stream"
        entry = self._add_file(value["data"], "document", mime_type=mime_type, file_name=file_name)
        return self.files[entry["file_id"]]

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

    def _record_sent(self, method: str, params: JSON, message: JSON, **extra: Any) -> JSON:
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
                **extra,
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
        if new_text and "text" not in message:  # a document: its caption is edited another way
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        current = (message.get("text"), message.get("entities", []), message.get("reply_markup"))
        text, entities = self._render(params) if new_text else current[:2]
        markup = self._inline_keyboard(params.get("reply_markup"))
        if (text, entities, markup) == current:
            raise ApiError(400, _NOT_MODIFIED)
        for key in ("entities", "reply_markup"):  # a keyboard not re-sent is removed
            message.pop(key, None)
        message.update(
            {"edit_date": int(time.time())},
            **({"text": text} if text is not None else {}),
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

    async def _m_sendDocument(self, params: JSON) -> JSON:
        chat_id = self._target_chat(params)
        caption, caption_entities = self._render_caption(params)
        markup = self._inline_keyboard(params.get("reply_markup"))
        file = self._input_file(params, "document")
        document = {"file_name": file["file_name"], "mime_type": file["mime_type"]} | {
            key: file[key] for key in ("file_id", "file_unique_id", "file_size")
        }
        if document["file_name"] is None:
            del document["file_name"]
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            "document": document,
        }
        message |= ({"caption": caption} if caption else {}) | (
            {"caption_entities": caption_entities} if caption and caption_entities else {}
        )
        message |= {"reply_markup": markup} if markup else {}
        self.messages[(chat_id, message["message_id"])] = message
        recorded = {"file_name": file["file_name"], "mime_type": file["mime_type"], "data": file["data"]}
        return self._record_sent("sendDocument", params, message, caption=params.get("caption"), document=recorded)

    async def _m_getFile(self, params: JSON) -> JSON:
        file = self.files.get(str(params.get("file_id") or ""))
        if file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if file["file_size"] > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {key: file[key] for key in ("file_id", "file_unique_id", "file_size", "file_path")}

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
