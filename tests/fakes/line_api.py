"""A fake LINE Messaging API server, and webhook bodies built and signed like LINE's.

Why it exists: the bot must be tested against the *real* line-bot-sdk v3 async client
(``AsyncApiClient`` / ``AsyncMessagingApi`` / ``AsyncMessagingApiBlob``) without contacting
api.line.me.  ``Configuration(access_token=..., host=fake.url)`` sends every SDK call, for
api.line.me and api-data.line.me alike, to this server.  It answers with real-shaped JSON and
reproduces the traps that matter: one-use, short-lived reply tokens; ``X-Line-Retry-Key``
giving 409 on a repeat; 429 for rate limits and for an exhausted monthly quota; LINE's limits
(5 messages, 5,000-character text, 13 quick-reply items, 20-character labels, 300-character
postback data, flex altText); no default rich menu before its image is uploaded.

Content users sent (``add_content``) is served by ``GET /v2/bot/message/{messageId}/content``
until ``expire_content``, as ``AsyncMessagingApiBlob.get_message_content`` fetches it.

The webhook builders emit every field LINE sends (``mode``, ``timestamp``, ``webhookEventId``,
``deliveryContext``, ``message.quoteToken``...): the SDK turns an event missing a type-specific
field into ``UnknownEvent`` without a word, and raises on a missing common field.

Rate limits are off unless asked for: ``max_per_second={"push": 2000, "multicast": 200}`` (LINE's
published per-endpoint limits, or lower ones) answers requests sent too fast with LINE's 429,
counted in ``rate_limited``; :class:`RateWindow` documents the tolerance.

``latency`` (route name -> seconds, none by default) holds a route's answers back that long,
after the request took effect: a push is recorded (and its retry key accepted) before the client
hears back, as over a slow network, so a client killed meanwhile has still delivered it.

Errors have LINE's documented shape ``{"message": ..., "details": [{"message", "property"}]}``;
wordings LINE does not publish are approximations.  Only the standard library and aiohttp.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import json
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tests.fakes.rate_window import RateWindow

Json = dict[str, Any]

RATE_LIMIT_BODY: Json = {"message": "The API rate limit has been exceeded. Try again later."}
MONTHLY_LIMIT_BODY: Json = {"message": "You have reached your monthly limit."}
AUTH_FAILED_BODY: Json = {
    "message": "Authentication failed. Confirm that the access token in the authorization header is valid."
}
INVALID_REPLY_TOKEN_BODY: Json = {"message": "Invalid reply token"}
RETRY_KEY_ACCEPTED = "The retry key is already accepted"

_QUOTABLE = {"text", "sticker", "image", "video"}  # sentMessages carry a quoteToken for these
_CHAT_ID = re.compile(r"^[UCR][0-9a-f]{32}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# ---------------------------------------------------------------- webhook bodies


def new_ulid() -> str:
    """26 Crockford base32 characters (48-bit ms time + 80 random bits), like ``webhookEventId``."""
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def new_user_id() -> str:
    return "U" + secrets.token_hex(16)


def new_reply_token() -> str:
    return secrets.token_hex(16)


def _message_id() -> str:
    return str(10**17 + secrets.randbelow(9 * 10**17))  # 18 digits, like LINE's


def _quote_token() -> str:
    return secrets.token_urlsafe(64)


def _event(
    event_type: str, user_id: str | None, *, reply_token: bool = True, source: Json | None = None, **extra: Any
) -> Json:
    event: Json = {
        "type": event_type,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": source or {"type": "user", "userId": user_id},
        "webhookEventId": new_ulid(),
        "deliveryContext": {"isRedelivery": False},
    }
    if reply_token:
        event["replyToken"] = new_reply_token()
    return {**event, **extra}


def follow_event(user_id: str, *, is_unblocked: bool = False) -> Json:
    return _event("follow", user_id, follow={"isUnblocked": is_unblocked})


def unfollow_event(user_id: str) -> Json:
    return _event("unfollow", user_id, reply_token=False)


def text_message_event(user_id: str, text: str) -> Json:
    message = {"id": _message_id(), "type": "text", "quoteToken": _quote_token(), "text": text}
    return _event("message", user_id, message=message)


def _message_event(user_id: str, message: Json, *, source: Json | None = None) -> Json:
    return _event("message", user_id, source=source, message={"id": _message_id(), **message})


def image_message_event(
    user_id: str, message_id: str | None = None, *, image_set: tuple[str, int, int] | None = None
) -> Json:
    """An image from a user; its bytes are fetched by ``event["message"]["id"]`` (see
    :meth:`FakeLineAPI.add_content`). ``image_set`` = (id, index from 1, total) for one image of
    several sent together."""
    message: Json = {"type": "image", "quoteToken": _quote_token(), "contentProvider": {"type": "line"}}
    if image_set is not None:
        set_id, index, total = image_set
        message["imageSet"] = {"id": set_id, "index": index, "total": total}
    event = _message_event(user_id, message)
    if message_id is not None:
        event["message"]["id"] = message_id
    return event


def sticker_message_event(user_id: str) -> Json:
    message = {
        "type": "sticker",
        "quoteToken": _quote_token(),
        "packageId": "446",
        "stickerId": "1988",
        "stickerResourceType": "STATIC",
        "keywords": ["OK", "Thumbs up", "good"],
    }
    return _message_event(user_id, message)


def location_message_event(user_id: str) -> Json:
    """A shared location (Taipei City Hall); LINE gives location messages no quoteToken."""
    message = {
        "type": "location",
        "title": "臺北市政府",
        "address": "110臺灣臺北市信義區市府路1號",
        "latitude": 25.037531,
        "longitude": 121.563747,
    }
    return _message_event(user_id, message)


def file_message_event(user_id: str, file_name: str = "record.pdf", size: int = 12345) -> Json:
    """A file from a user (no quoteToken, as LINE sends it); the bytes come from the content endpoint."""
    return _message_event(user_id, {"type": "file", "fileName": file_name, "fileSize": size})


def audio_message_event(user_id: str) -> Json:
    """A 6-second voice message (no quoteToken, as LINE sends it)."""
    return _message_event(user_id, {"type": "audio", "duration": 6000, "contentProvider": {"type": "line"}})


def video_message_event(user_id: str) -> Json:
    message = {"type": "video", "quoteToken": _quote_token(), "duration": 8000, "contentProvider": {"type": "line"}}
    return _message_event(user_id, message)


def group_text_event(group_id: str, user_id: str, text: str) -> Json:
    """A text message in a group chat (``group_id``: "C" + 32 hex digits)."""
    message = {"type": "text", "quoteToken": _quote_token(), "text": text}
    return _message_event(user_id, message, source={"type": "group", "groupId": group_id, "userId": user_id})


def room_text_event(room_id: str, user_id: str, text: str) -> Json:
    """A text message in a multi-person chat (``room_id``: "R" + 32 hex digits)."""
    message = {"type": "text", "quoteToken": _quote_token(), "text": text}
    return _message_event(user_id, message, source={"type": "room", "roomId": room_id, "userId": user_id})


def join_event(group_id: str) -> Json:
    """The bot was added to a group: a reply token, and a source without userId."""
    return _event("join", None, source={"type": "group", "groupId": group_id})


def leave_event(group_id: str) -> Json:
    return _event("leave", None, reply_token=False, source={"type": "group", "groupId": group_id})


def member_joined_event(group_id: str, user_ids: list[str]) -> Json:
    members = [{"type": "user", "userId": user_id} for user_id in user_ids]
    return _event("memberJoined", None, source={"type": "group", "groupId": group_id}, joined={"members": members})


def new_group_id() -> str:
    return "C" + secrets.token_hex(16)


def new_room_id() -> str:
    return "R" + secrets.token_hex(16)


def postback_event(user_id: str, data: str, *, params: Json | None = None) -> Json:
    return _event("postback", user_id, postback={"data": data, **({"params": params} if params else {})})


def redelivery(event: Json) -> Json:
    """The event as LINE redelivers it: same webhookEventId and replyToken, ``isRedelivery: true``."""
    again = copy.deepcopy(event)
    again["deliveryContext"] = {"isRedelivery": True}
    return again


def sign(body: bytes, channel_secret: str) -> str:
    """The ``X-Line-Signature`` value: base64(HMAC-SHA256(channel secret, raw body))."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def webhook_body(events: list[Json], channel_secret: str, *, destination: str | None = None) -> tuple[bytes, str]:
    """``(body, signature)`` for ``{"destination", "events"}``, in UTF-8 (not ASCII-escaped) as LINE sends."""
    payload = {"destination": destination or new_user_id(), "events": events}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return body, sign(body, channel_secret)


# ---------------------------------------------------------------- validation, LINE-style

Errors = list[Json]


def _check_len(value: Any, high: int, prop: str, errors: Errors) -> None:
    if not isinstance(value, str) or not value:
        errors.append({"message": "May not be empty", "property": prop})
    elif len(value) > high:
        errors.append({"message": f"Length must be between 0 and {high}", "property": prop})


def _check_actions(node: Any, prop: str, errors: Errors) -> None:
    """Walk any message or rich-menu tree: postback data is at most 300 characters everywhere."""
    if isinstance(node, dict):
        if node.get("type") == "postback":
            _check_len(node.get("data"), 300, f"{prop}.data", errors)
        for key, value in node.items():
            _check_actions(value, f"{prop}.{key}", errors)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_actions(value, f"{prop}[{i}]", errors)


def _validate_messages(messages: Any) -> Errors:
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return [{"message": "Size must be between 1 and 5", "property": "messages"}]
    errors: Errors = []
    for i, msg in enumerate(messages):
        prop, kind = f"messages[{i}]", msg.get("type") if isinstance(msg, dict) else None
        if not isinstance(kind, str):
            errors.append({"message": "Must not be null", "property": f"{prop}.type"})
            continue
        if kind == "text":
            _check_len(msg.get("text"), 5000, f"{prop}.text", errors)
        elif kind in ("flex", "template"):
            field, alt_max = ("contents", 1500) if kind == "flex" else ("template", 400)
            _check_len(msg.get("altText"), alt_max, f"{prop}.altText", errors)
            if not isinstance(msg.get(field), dict):
                errors.append({"message": "Must not be null", "property": f"{prop}.{field}"})
        items = (msg.get("quickReply") or {}).get("items")
        if items is not None and (not isinstance(items, list) or not 1 <= len(items) <= 13):
            errors.append({"message": "Size must be between 1 and 13", "property": f"{prop}.quickReply.items"})
        elif items is not None:
            for j, item in enumerate(items):
                action = (item or {}).get("action") or {}
                _check_len(action.get("label"), 20, f"{prop}.quickReply.items[{j}].action.label", errors)
        _check_actions(msg, prop, errors)
    return errors


def _validate_rich_menu(menu: Json) -> Errors:
    errors: Errors = []
    size = menu.get("size") or {}
    if not (800 <= size.get("width", 0) <= 2500 and size.get("height", 0) >= 250):
        errors.append({"message": "Invalid size", "property": "size"})
    if not isinstance(menu.get("selected"), bool):
        errors.append({"message": "Must not be null", "property": "selected"})
    _check_len(menu.get("name"), 300, "name", errors)
    _check_len(menu.get("chatBarText"), 14, "chatBarText", errors)
    if not isinstance(menu.get("areas"), list) or len(menu["areas"]) > 20:
        errors.append({"message": "Size must be between 0 and 20", "property": "areas"})
    else:
        _check_actions(menu["areas"], "areas", errors)
    return errors


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"message": message, **extra}, status=status)


def _bad_request(errors: Errors) -> web.Response:
    return _error(400, f"The request body has {len(errors)} error(s)", details=errors)


# ---------------------------------------------------------------- the server


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_BODY = web.RequestKey("line_fake_body", dict)  # decoded JSON body, set by the middleware


class FakeLineAPI:
    """A local Messaging API: ``async with FakeLineAPI() as fake``, then ``Configuration(host=fake.url)``.

    ``max_per_second`` maps route names ("push", "multicast", any name in :meth:`start`) to the
    requests per second they accept. One over its limit gets 429 with ``RATE_LIMIT_BODY``, is
    counted in ``rate_limited`` and has no effect: nothing recorded, no quota used, its
    ``X-Line-Retry-Key`` not accepted. Only accepted (2xx) requests count against the limit.
    """

    def __init__(
        self,
        access_token: str = "test-token",
        *,
        reply_token_ttl: float = 30.0,
        max_per_second: dict[str, float] | None = None,
    ) -> None:
        if any(not limit > 0 for limit in (max_per_second or {}).values()):
            raise ValueError(f"rate limits must be positive: {max_per_second!r}")
        self.access_token = access_token
        self.reply_token_ttl = reply_token_ttl
        self.url = ""
        self.replies: list[Json] = []  # {replyToken, messages, sentMessages}
        self.pushes: list[Json] = []  # {to, messages, retry_key, sentMessages}
        self.multicasts: list[Json] = []  # {to: [...], messages, retry_key}
        self.requests: list[Json] = []  # every request: {method, path, headers (subset), json}
        self.rich_menus: dict[str, Json] = {}  # richMenuId -> the menu as LINE lists it
        self.rich_menu_images: dict[str, tuple[str, bytes]] = {}  # richMenuId -> (content type, data)
        self.contents: dict[str, tuple[str, bytes]] = {}  # messageId -> (content type, data) users sent
        self.default_rich_menu: str | None = None
        self.quota: Json = {"type": "none"}  # or {"type": "limited", "value": 200}
        self.consumption = 0  # totalUsage: requests x deliverable recipients of push/multicast
        self.blocked_users: set[str] = set()  # profile 404; pushes to them are not counted
        self.profiles: dict[str, Json] = {}  # explicit profiles; other valid user IDs get a made-up one
        self.max_per_second: dict[str, float] = dict(max_per_second or {})  # route name -> requests/s
        self.rate_limited = 0  # 429s answered because of max_per_second (fail_next ones excluded)
        self.latency: dict[str, float] = {}  # route name -> seconds its answers are held back
        self.bot_info: Json = {
            "userId": new_user_id(),
            "basicId": "@123abcde",
            "displayName": "Test Bot",
            "chatMode": "bot",
            "markAsReadMode": "auto",
        }
        self._reply_tokens: dict[str, float] = {}  # valid token -> monotonic expiry
        self._issued_tokens: set[str] = set()
        self._retry_keys: dict[str, Json] = {}  # accepted key -> body of the 409 for a repeat
        self._failures: list[Json] = []  # {target, status, body, times}
        self._rate_windows: dict[str, RateWindow] = {}  # route name -> its accepted requests
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware], client_max_size=2 * 1024 * 1024)
        for method, path, handler, name in [
            ("POST", "/v2/bot/message/reply", self._reply, "reply"),
            ("POST", "/v2/bot/message/push", self._push, "push"),
            ("POST", "/v2/bot/message/multicast", self._multicast, "multicast"),
            ("GET", "/v2/bot/message/quota", self._quota, "quota"),
            ("GET", "/v2/bot/message/quota/consumption", self._consumption, "quota_consumption"),
            ("GET", "/v2/bot/info", self._bot_info, "bot_info"),
            ("GET", "/v2/bot/profile/{userId}", self._profile, "profile"),
            ("POST", "/v2/bot/chat/loading/start", self._loading, "loading"),
            ("POST", "/v2/bot/richmenu", self._create_rich_menu, "richmenu_create"),
            ("POST", "/v2/bot/richmenu/validate", self._validate_rich_menu, "richmenu_validate"),
            ("GET", "/v2/bot/richmenu/list", self._list_rich_menus, "richmenu_list"),
            ("POST", "/v2/bot/richmenu/{richMenuId}/content", self._upload_image, "richmenu_content"),
            ("DELETE", "/v2/bot/richmenu/{richMenuId}", self._delete_rich_menu, "richmenu_delete"),
            ("POST", "/v2/bot/user/all/richmenu/{richMenuId}", self._set_default, "richmenu_set_default"),
            ("GET", "/v2/bot/user/all/richmenu", self._get_default, "richmenu_get_default"),
            ("GET", "/v2/bot/message/{messageId}/content", self._message_content, "message_content"),
        ]:
            app.router.add_route(method, path, handler, name=name)
        if unknown := set(self.max_per_second) - set(app.router.named_resources()):
            raise ValueError(f"max_per_second: no route named {sorted(unknown)}")
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeLineAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- test controls

    def issue_reply_token(self, token: str | None = None) -> str:
        """Make a reply token valid once, for ``reply_token_ttl`` seconds from now."""
        token = token or new_reply_token()
        self._issued_tokens.add(token)
        self._reply_tokens[token] = time.monotonic() + self.reply_token_ttl
        return token

    def webhook_body(
        self, events: list[Json], channel_secret: str, *, destination: str | None = None
    ) -> tuple[bytes, str]:
        """Module ``webhook_body`` that also issues the events' new reply tokens (a used one stays used)."""
        for token in (e["replyToken"] for e in events if "replyToken" in e):
            if token not in self._issued_tokens:
                self.issue_reply_token(token)
        return webhook_body(events, channel_secret, destination=destination or self.bot_info["userId"])

    def add_content(self, message_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        """The bytes of a message a user sent (image, video, audio, file), served by
        ``GET /v2/bot/message/{messageId}/content`` (api-data.line.me at LINE)."""
        self.contents[message_id] = (content_type, bytes(data))

    def expire_content(self, message_id: str) -> None:
        """LINE keeps content only for a while: afterwards the endpoint answers 404."""
        self.contents.pop(message_id, None)

    def expire_reply_token(self, token: str) -> None:
        self._reply_tokens.pop(token, None)

    def expire_all_reply_tokens(self) -> None:
        self._reply_tokens.clear()

    def fail_next(self, target: str, status: int = 429, times: int = 1, body: Json | None = None) -> None:
        """Fail the next ``times`` requests to ``target``: a path ("/v2/bot/message/push"), a route
        template ("/v2/bot/profile/{userId}") or a route name ("push", "reply", "richmenu_content"...)."""
        body = body or (RATE_LIMIT_BODY if status == 429 else {"message": f"Injected error {status}"})
        self._failures.append({"target": target, "status": status, "body": body, "times": times})

    async def wait_for(self, kind: str, n: int = 1, timeout: float = 5.0) -> list[Json]:
        """Wait until ``kind`` ("replies", "pushes", "multicasts", "requests") has ``n`` entries or more."""
        aliases = {"reply": "replies", "push": "pushes", "multicast": "multicasts", "request": "requests"}
        kind = aliases.get(kind, kind)
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(getattr(self, kind)) >= n), timeout)
        return list(getattr(self, kind))

    # ---- plumbing

    async def _record(self, records: list[Json], entry: Json) -> None:
        async with self._changed:
            records.append(entry)
            self._changed.notify_all()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body: Any = None
        if request.content_type == "application/json" and request.can_read_body:
            try:
                body = json.loads(await request.read() or b"null")
            except ValueError:
                return _error(400, "The request body is not valid JSON")
        keep = ("Authorization", "Content-Type", "X-Line-Retry-Key", "User-Agent")
        headers = {k: request.headers[k] for k in keep if k in request.headers}
        await self._record(
            self.requests, {"method": request.method, "path": request.path, "headers": headers, "json": body}
        )
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return web.json_response(AUTH_FAILED_BODY, status=401)
        route = request.match_info.route
        names = {request.path, route.name, getattr(route.resource, "canonical", None)}
        for failure in self._failures:
            if failure["target"] in names and failure["times"] > 0:
                failure["times"] -= 1
                return web.json_response(failure["body"], status=failure["status"])
        if (unserved := request.match_info.http_exception) is not None:  # unknown path or method
            return _error(unserved.status, "Not found" if unserved.status == 404 else unserved.reason)
        request[_BODY] = body if isinstance(body, dict) else {}
        if route.name and self.latency.get(route.name, 0.0) > 0:
            handler = self._late(handler, self.latency[route.name])
        limit = self.max_per_second.get(route.name) if route.name else None
        if limit is None:
            return await handler(request)
        window, now = self._rate_windows.setdefault(route.name, RateWindow()), time.monotonic()
        if window.wait(limit, now) > 0:
            self.rate_limited += 1
            return web.json_response(RATE_LIMIT_BODY, status=429)
        window.add(now)
        accepted = False
        try:
            response = await handler(request)
            accepted = response.status < 300
            return response
        finally:
            if not accepted:  # refused (400, 409, monthly 429...): it does not count
                window.release(now)

    @staticmethod
    def _late(handler: Handler, seconds: float) -> Handler:
        async def late(request: web.Request) -> web.StreamResponse:
            response = await handler(request)  # taken effect (recorded) before the wait
            await asyncio.sleep(seconds)
            return response

        return late

    @staticmethod
    def _sent(messages: list[Json]) -> list[Json]:
        sent: list[Json] = []
        for message in messages:
            sent.append({"id": _message_id()})
            if message.get("type") in _QUOTABLE:
                sent[-1]["quoteToken"] = _quote_token()
        return sent

    def _check_retry_key(self, request: web.Request) -> tuple[str | None, web.Response | None]:
        key = request.headers.get("X-Line-Retry-Key")
        if key is not None and not _UUID.match(key):
            return key, _error(400, "The value for the 'X-Line-Retry-Key' header is invalid")
        if key is not None and key in self._retry_keys:
            accepted_id = {"X-Line-Accepted-Request-Id": str(uuid.uuid4())}
            return key, web.json_response(self._retry_keys[key], status=409, headers=accepted_id)
        return key, None

    def _over_quota(self, deliveries: int) -> bool:
        limited = self.quota.get("type") == "limited"
        return limited and self.consumption + deliveries > self.quota.get("value", 0)

    # ---- messages

    async def _reply(self, request: web.Request) -> web.Response:
        body = request[_BODY]
        if "X-Line-Retry-Key" in request.headers:  # LINE refuses retry keys on APIs without them
            return _error(400, "X-Line-Retry-Key is not supported by this API")
        if errors := _validate_messages(body.get("messages")):
            return _bad_request(errors)  # checked before the token, so a bad body does not use it up
        token = body.get("replyToken")
        expiry = self._reply_tokens.pop(token, None) if isinstance(token, str) else None
        if expiry is None or expiry < time.monotonic():
            return web.json_response(INVALID_REPLY_TOKEN_BODY, status=400)
        sent = self._sent(body["messages"])
        entry = {"replyToken": token, "messages": body["messages"], "sentMessages": sent}
        await self._record(self.replies, entry)
        return web.json_response({"sentMessages": sent})

    async def _push(self, request: web.Request) -> web.Response:
        body = request[_BODY]
        key, refused = self._check_retry_key(request)
        if refused is not None:
            return refused
        if errors := _validate_messages(body.get("messages")):
            return _bad_request(errors)
        to = body.get("to")
        if not isinstance(to, str) or not _CHAT_ID.match(to):
            return _error(400, "The property, 'to', in the request body is invalid (line: -, column: -)")
        if self._over_quota(1):
            return web.json_response(MONTHLY_LIMIT_BODY, status=429)
        self.consumption += int(to not in self.blocked_users)
        sent = self._sent(body["messages"])
        if key:
            self._retry_keys[key] = {"message": RETRY_KEY_ACCEPTED, "sentMessages": sent}
        entry = {"to": to, "messages": body["messages"], "retry_key": key, "sentMessages": sent}
        await self._record(self.pushes, entry)
        return web.json_response({"sentMessages": sent})

    async def _multicast(self, request: web.Request) -> web.Response:
        body = request[_BODY]
        key, refused = self._check_retry_key(request)
        if refused is not None:
            return refused
        to, errors = body.get("to"), _validate_messages(body.get("messages"))
        if not isinstance(to, list) or not 1 <= len(to) <= 500:
            errors.append({"message": "Size must be between 1 and 500", "property": "to"})
        else:
            errors += [
                {"message": "Invalid user ID", "property": f"to[{i}]"}
                for i, uid in enumerate(to)
                if not (isinstance(uid, str) and _CHAT_ID.match(uid))
            ]
        if errors:
            return _bad_request(errors)
        deliverable = sum(uid not in self.blocked_users for uid in to)
        if self._over_quota(deliverable):
            return web.json_response(MONTHLY_LIMIT_BODY, status=429)
        self.consumption += deliverable
        if key:
            self._retry_keys[key] = {"message": RETRY_KEY_ACCEPTED}
        await self._record(self.multicasts, {"to": to, "messages": body["messages"], "retry_key": key})
        return web.json_response({})

    async def _quota(self, request: web.Request) -> web.Response:
        return web.json_response(self.quota)

    async def _consumption(self, request: web.Request) -> web.Response:
        return web.json_response({"totalUsage": self.consumption})

    async def _bot_info(self, request: web.Request) -> web.Response:
        return web.json_response(self.bot_info)

    async def _profile(self, request: web.Request) -> web.Response:
        user_id = request.match_info["userId"]
        if user_id in self.blocked_users or not _CHAT_ID.match(user_id):
            return _error(404, "Not found")
        made_up = {"displayName": f"User {user_id[-4:]}", "userId": user_id, "language": "zh-TW"}
        return web.json_response(self.profiles.get(user_id, made_up))

    async def _loading(self, request: web.Request) -> web.Response:
        if not isinstance(request[_BODY].get("chatId"), str):
            return _bad_request([{"message": "Must not be null", "property": "chatId"}])
        return web.json_response({}, status=202)

    async def _message_content(self, request: web.Request) -> web.Response:
        content = self.contents.get(request.match_info["messageId"])
        if content is None:  # unknown, or expired
            return _error(404, "Not found")
        content_type, data = content
        return web.Response(body=data, headers={"Content-Type": content_type})

    # ---- rich menus

    async def _validate_rich_menu(self, request: web.Request) -> web.Response:
        errors = _validate_rich_menu(request[_BODY])
        return _bad_request(errors) if errors else web.json_response({})

    async def _create_rich_menu(self, request: web.Request) -> web.Response:
        if errors := _validate_rich_menu(request[_BODY]):
            return _bad_request(errors)
        menu_id = "richmenu-" + secrets.token_hex(16)
        self.rich_menus[menu_id] = {"richMenuId": menu_id, **request[_BODY]}
        return web.json_response({"richMenuId": menu_id})

    async def _list_rich_menus(self, request: web.Request) -> web.Response:
        return web.json_response({"richmenus": list(self.rich_menus.values())})

    async def _upload_image(self, request: web.Request) -> web.Response:
        """api-data.line.me at LINE; the same host here, as ``Configuration(host=...)`` makes the SDK do."""
        menu_id = request.match_info["richMenuId"]
        if menu_id not in self.rich_menus:
            return _error(404, "Not found")
        if request.content_type not in ("image/png", "image/jpeg"):
            return _error(415, "Unsupported Media Type: send image/png or image/jpeg")
        data = await request.read()
        if not data or len(data) > 1024 * 1024:
            return _error(400, "The image must be at most 1 MB")
        if menu_id in self.rich_menu_images:
            return _error(400, "An image has already been uploaded to the richmenu")
        self.rich_menu_images[menu_id] = (request.content_type, data)
        return web.json_response({})

    async def _set_default(self, request: web.Request) -> web.Response:
        menu_id = request.match_info["richMenuId"]
        if menu_id not in self.rich_menus:
            return _error(404, "Not found")
        if menu_id not in self.rich_menu_images:
            return _error(400, "must upload richmenu image before applying it to user")
        self.default_rich_menu = menu_id
        return web.json_response({})

    async def _get_default(self, request: web.Request) -> web.Response:
        if self.default_rich_menu is None:
            return _error(404, "no default richmenu")
        return web.json_response({"richMenuId": self.default_rich_menu})

    async def _delete_rich_menu(self, request: web.Request) -> web.Response:
        menu_id = request.match_info["richMenuId"]
        if self.rich_menus.pop(menu_id, None) is None:
            return _error(404, "Not found")
        self.rich_menu_images.pop(menu_id, None)
        if self.default_rich_menu == menu_id:
            self.default_rich_menu = None
        return web.json_response({})
