"""Self-test of the fake LINE API: the real line-bot-sdk v3 async client against it."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    FlexBox,
    FlexBubble,
    FlexMessage,
    FlexText,
    MessageAction,
    MulticastRequest,
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from linebot.v3.models.events import UnknownEvent  # what WebhookParser yields for a malformed event
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (
    AudioMessageContent,
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    JoinEvent,
    LeaveEvent,
    LocationMessageContent,
    MemberJoinedEvent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    VideoMessageContent,
)
from pydantic.v1 import ValidationError

from .line_api import (
    MONTHLY_LIMIT_BODY,
    RATE_LIMIT_BODY,
    FakeLineAPI,
    audio_message_event,
    file_message_event,
    follow_event,
    group_text_event,
    image_message_event,
    join_event,
    leave_event,
    location_message_event,
    member_joined_event,
    new_group_id,
    new_room_id,
    new_user_id,
    postback_event,
    redelivery,
    room_text_event,
    sticker_message_event,
    text_message_event,
    unfollow_event,
    video_message_event,
    webhook_body,
)

SECRET = "channel-secret-for-tests"
USER = new_user_id()


class Clients:
    def __init__(self, client: AsyncApiClient) -> None:
        self.api = AsyncMessagingApi(client)
        self.blob = AsyncMessagingApiBlob(client)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeLineAPI]:
    async with FakeLineAPI() as server:
        yield server


@pytest_asyncio.fixture
async def line(fake: FakeLineAPI) -> AsyncIterator[Clients]:
    # Created inside the running loop, closed at the end: no unclosed-session warning.
    async with AsyncApiClient(Configuration(access_token=fake.access_token, host=fake.url)) as client:
        yield Clients(client)


def error_of(exc: pytest.ExceptionInfo[ApiException]) -> dict:
    return json.loads(exc.value.body)


def text(value: str, **kwargs: object) -> TextMessage:
    return TextMessage(text=value, **kwargs)


def push(*messages: object) -> PushMessageRequest:
    return PushMessageRequest(to=USER, messages=list(messages))


@pytest.mark.asyncio
async def test_reply_token_is_valid_once(fake: FakeLineAPI, line: Clients) -> None:
    body, signature = fake.webhook_body([text_message_event(USER, "你好")], SECRET)
    (event,) = WebhookParser(SECRET).parse(body.decode("utf-8"), signature)
    request = ReplyMessageRequest(reply_token=event.reply_token, messages=[text("hi")])

    response = await line.api.reply_message(request)
    assert response.sent_messages[0].id and response.sent_messages[0].quote_token
    assert fake.replies[0]["replyToken"] == event.reply_token
    assert fake.replies[0]["messages"] == [{"type": "text", "text": "hi"}]

    with pytest.raises(ApiException) as exc:
        await line.api.reply_message(request)
    assert exc.value.status == 400 and error_of(exc) == {"message": "Invalid reply token"}
    assert len(fake.replies) == 1


@pytest.mark.asyncio
async def test_expired_and_unknown_reply_tokens() -> None:
    async with FakeLineAPI(reply_token_ttl=0.05) as short:
        async with AsyncApiClient(Configuration(access_token=short.access_token, host=short.url)) as client:
            api = AsyncMessagingApi(client)
            late, expired, unknown = short.issue_reply_token(), short.issue_reply_token(), "0" * 32
            short.expire_reply_token(expired)
            await asyncio.sleep(0.1)
            for token in (late, expired, unknown):
                with pytest.raises(ApiException) as exc:
                    await api.reply_message(ReplyMessageRequest(reply_token=token, messages=[text("x")]))
                assert exc.value.status == 400 and error_of(exc)["message"] == "Invalid reply token"


@pytest.mark.asyncio
async def test_push_with_retry_key_is_idempotent(fake: FakeLineAPI, line: Clients) -> None:
    key = str(uuid.uuid4())
    request = PushMessageRequest(to=USER, messages=[text("提醒：明天開會")])
    first = await line.api.push_message(request, x_line_retry_key=key)

    with pytest.raises(ApiException) as exc:
        await line.api.push_message(request, x_line_retry_key=key)
    assert exc.value.status == 409
    body = error_of(exc)
    assert body["message"] == "The retry key is already accepted"
    assert body["sentMessages"][0]["id"] == first.sent_messages[0].id
    assert len(fake.pushes) == 1 and fake.pushes[0]["retry_key"] == key
    assert fake.requests[-1]["headers"]["X-Line-Retry-Key"] == key
    assert fake.consumption == 1


@pytest.mark.asyncio
async def test_quick_reply_limits(fake: FakeLineAPI, line: Clients) -> None:
    def items(n: int, label: str = "選項") -> list[QuickReplyItem]:
        return [QuickReplyItem(action=MessageAction(label=f"{label}{i}", text=f"{i}")) for i in range(n)]

    await line.api.push_message(push(text("ok", quick_reply=QuickReply(items=items(13)))))
    assert len(fake.pushes[0]["messages"][0]["quickReply"]["items"]) == 13

    with pytest.raises(ValidationError):  # the SDK itself refuses 14 items before sending
        QuickReply(items=items(14))
    too_many = text("no", quick_reply=QuickReply.construct(items=items(14)))  # bypass: the server refuses too
    with pytest.raises(ApiException) as exc:
        await line.api.push_message(push(too_many))
    assert exc.value.status == 400
    assert error_of(exc) == {
        "message": "The request body has 1 error(s)",
        "details": [{"message": "Size must be between 1 and 13", "property": "messages[0].quickReply.items"}],
    }

    long_label = text("no", quick_reply=QuickReply(items=items(1, label="x" * 20)))
    with pytest.raises(ValidationError):  # postback data > 300: also refused by the SDK
        PostbackAction(label="p", data="d" * 301)
    data_301 = PostbackAction.construct(label="p", data="d" * 301)  # bypass, as for 14 items
    long_data = text("no", quick_reply=QuickReply(items=[QuickReplyItem(action=data_301)]))
    for message, prop in (
        (long_label, "messages[0].quickReply.items[0].action.label"),
        (long_data, "messages[0].quickReply.items[0].action.data"),
    ):
        with pytest.raises(ApiException) as exc:
            await line.api.push_message(push(message))
        assert error_of(exc)["details"][0]["property"] == prop
    assert len(fake.pushes) == 1


@pytest.mark.asyncio
async def test_text_and_message_count_limits(fake: FakeLineAPI, line: Clients) -> None:
    await line.api.push_message(PushMessageRequest(to=USER, messages=[text("字" * 5000)]))
    for messages, prop in (([text("字" * 5001)], "messages[0].text"), ([text("a"), text("")], "messages[1].text")):
        with pytest.raises(ApiException) as exc:
            await line.api.push_message(push(*messages))
        assert exc.value.status == 400 and error_of(exc)["details"][0]["property"] == prop
    with pytest.raises(ValidationError):  # six messages: refused by the SDK before sending
        PushMessageRequest(to=USER, messages=[text("a")] * 6)
    assert len(fake.pushes) == 1


@pytest.mark.asyncio
async def test_flex_message(fake: FakeLineAPI, line: Clients) -> None:
    bubble = FlexBubble(body=FlexBox(layout="vertical", contents=[FlexText(text="差勤提醒")]))
    await line.api.push_message(push(FlexMessage(alt_text="差勤提醒", contents=bubble)))
    sent = fake.pushes[0]["messages"][0]
    assert (sent["type"], sent["altText"], sent["contents"]["type"]) == ("flex", "差勤提醒", "bubble")
    assert "quoteToken" not in fake.pushes[0]["sentMessages"][0]

    with pytest.raises(ApiException) as exc:
        await line.api.push_message(push(FlexMessage(alt_text="", contents=bubble)))
    assert error_of(exc)["details"][0]["property"] == "messages[0].altText"


@pytest.mark.asyncio
async def test_injected_429_then_success(fake: FakeLineAPI, line: Clients) -> None:
    fake.fail_next("push", status=429, times=2)
    fake.fail_next("/v2/bot/message/multicast", body=MONTHLY_LIMIT_BODY)
    request = PushMessageRequest(to=USER, messages=[text("hi")])
    for _ in range(2):
        with pytest.raises(ApiException) as exc:
            await line.api.push_message(request)
        assert exc.value.status == 429 and error_of(exc) == RATE_LIMIT_BODY
    await line.api.push_message(request)
    with pytest.raises(ApiException) as exc:
        await line.api.multicast(MulticastRequest(to=[USER], messages=[text("hi")]))
    assert exc.value.status == 429 and error_of(exc) == MONTHLY_LIMIT_BODY
    assert len(fake.pushes) == 1 and fake.multicasts == []


@pytest.mark.asyncio
async def test_quota_counts_push_and_multicast_not_reply(fake: FakeLineAPI, line: Clients) -> None:
    fake.quota = {"type": "limited", "value": 5}
    quota = await line.api.get_message_quota()
    assert quota.type.value == "limited" and quota.value == 5

    token = fake.issue_reply_token()
    await line.api.reply_message(ReplyMessageRequest(reply_token=token, messages=[text("free")]))
    await line.api.push_message(push(text("1"), text("2")))  # counts 1: 1 request x 1 user
    users = [new_user_id() for _ in range(3)]
    multicast = MulticastRequest(to=users, messages=[text("all")])
    await line.api.multicast(multicast, x_line_retry_key=str(uuid.uuid4()))  # counts 3
    assert (await line.api.get_message_quota_consumption()).total_usage == 4
    assert fake.multicasts[0]["to"] == users

    with pytest.raises(ApiException) as exc:  # 4 + 2 > 5: the monthly limit, not a rate limit
        await line.api.multicast(MulticastRequest(to=users[:2], messages=[text("over")]))
    assert exc.value.status == 429 and error_of(exc) == MONTHLY_LIMIT_BODY


@pytest.mark.asyncio
async def test_bot_info_profile_loading_and_auth(fake: FakeLineAPI, line: Clients) -> None:
    info = await line.api.get_bot_info()
    assert info.user_id == fake.bot_info["userId"] and info.display_name
    fake.profiles[USER] = {"displayName": "王小明", "userId": USER}
    assert (await line.api.get_profile(USER)).display_name == "王小明"
    fake.blocked_users.add(blocked := new_user_id())
    with pytest.raises(ApiException) as exc:
        await line.api.get_profile(blocked)
    assert exc.value.status == 404
    await line.api.show_loading_animation(ShowLoadingAnimationRequest(chat_id=USER, loading_seconds=5))
    assert fake.requests[-1]["path"] == "/v2/bot/chat/loading/start"

    async with AsyncApiClient(Configuration(access_token="wrong", host=fake.url)) as client:
        with pytest.raises(ApiException) as exc:
            await AsyncMessagingApi(client).get_bot_info()
    assert exc.value.status == 401 and error_of(exc)["message"].startswith("Authentication failed")


@pytest.mark.asyncio
async def test_wait_for_push_from_background_task(fake: FakeLineAPI, line: Clients) -> None:
    async def later() -> None:
        await asyncio.sleep(0.05)
        await line.api.push_message(push(text("later")))

    task = asyncio.create_task(later())
    pushes = await fake.wait_for("pushes", 1, timeout=2)
    await task
    assert pushes[0]["messages"][0]["text"] == "later"


@pytest.mark.asyncio
async def test_create_and_set_default_rich_menu(fake: FakeLineAPI, line: Clients) -> None:
    area = RichMenuArea(
        bounds=RichMenuBounds(x=0, y=0, width=2500, height=843),
        action=PostbackAction(label="請假", data="action=leave", display_text="請假"),
    )
    menu = RichMenuRequest(
        size=RichMenuSize(width=2500, height=843), selected=True, name="main", chat_bar_text="選單", areas=[area]
    )
    await line.api.validate_rich_menu_object(menu)
    menu_id = (await line.api.create_rich_menu(menu)).rich_menu_id
    assert fake.rich_menus[menu_id]["chatBarText"] == "選單"

    with pytest.raises(ApiException) as exc:  # LINE refuses a default menu without its image
        await line.api.set_default_rich_menu(menu_id)
    assert exc.value.status == 400

    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    with pytest.raises(TypeError):  # without a Content-Type the SDK tries to JSON-encode the bytes
        await line.blob.set_rich_menu_image(menu_id, png)
    await line.blob.set_rich_menu_image(menu_id, png, _headers={"Content-Type": "image/png"})
    assert fake.rich_menu_images[menu_id] == ("image/png", png)
    assert fake.requests[-1]["path"] == f"/v2/bot/richmenu/{menu_id}/content"

    await line.api.set_default_rich_menu(menu_id)
    assert fake.default_rich_menu == menu_id
    assert (await line.api.get_default_rich_menu_id()).rich_menu_id == menu_id
    listed = (await line.api.get_rich_menu_list()).richmenus
    assert [m.rich_menu_id for m in listed] == [menu_id]

    await line.api.delete_rich_menu(menu_id)
    assert fake.rich_menus == {} and fake.default_rich_menu is None


def test_webhook_events_parse_into_their_classes() -> None:
    events = [
        follow_event(USER),
        unfollow_event(USER),
        text_message_event(USER, "查詢 年假"),
        postback_event(USER, "action=leave&days=1"),
    ]
    body, signature = webhook_body(events, SECRET)
    payload = WebhookParser(SECRET).parse(body.decode("utf-8"), signature, as_payload=True)
    follow, unfollow, message, postback = payload.events
    assert payload.destination.startswith("U")
    assert isinstance(follow, FollowEvent) and follow.follow.is_unblocked is False
    assert isinstance(unfollow, UnfollowEvent) and "replyToken" not in events[1]
    assert isinstance(message, MessageEvent) and isinstance(message.message, TextMessageContent)
    assert message.message.text == "查詢 年假" and message.message.quote_token
    assert isinstance(postback, PostbackEvent) and postback.postback.data == "action=leave&days=1"
    for raw, parsed in zip(events, payload.events):
        assert not isinstance(parsed, UnknownEvent)
        assert len(raw["webhookEventId"]) == 26 and parsed.webhook_event_id == raw["webhookEventId"]
        assert parsed.mode.value == "active" and parsed.delivery_context.is_redelivery is False
        assert parsed.source.user_id == USER
    assert len(follow.reply_token) == 32 and int(follow.reply_token, 16) >= 0


def test_redelivery_and_signature_checks() -> None:
    original = text_message_event(USER, "hi")
    body, signature = webhook_body([redelivery(original)], SECRET)
    (again,) = WebhookParser(SECRET).parse(body.decode("utf-8"), signature)
    assert again.webhook_event_id == original["webhookEventId"] and again.delivery_context.is_redelivery

    with pytest.raises(InvalidSignatureError):
        WebhookParser("another-secret").parse(body.decode("utf-8"), signature)
    with pytest.raises(InvalidSignatureError):
        WebhookParser(SECRET).parse(body.decode("utf-8").replace("hi", "ho"), signature)

    # The trap the builders avoid. A missing type-specific field (message.quoteToken) gives a
    # silent UnknownEvent; a missing common field (webhookEventId) makes parse() raise.
    no_quote = text_message_event(USER, "hi")
    del no_quote["message"]["quoteToken"]
    body, signature = webhook_body([no_quote], SECRET)
    (unknown,) = WebhookParser(SECRET).parse(body.decode("utf-8"), signature)
    assert isinstance(unknown, UnknownEvent)
    no_id = {k: v for k, v in text_message_event(USER, "hi").items() if k != "webhookEventId"}
    body, signature = webhook_body([no_id], SECRET)
    with pytest.raises(ValidationError):
        WebhookParser(SECRET).parse(body.decode("utf-8"), signature)


@pytest.mark.asyncio
async def test_fake_registers_tokens_but_not_a_used_redelivered_one(fake: FakeLineAPI, line: Clients) -> None:
    event = text_message_event(USER, "hi")
    fake.webhook_body([event], SECRET)
    request = ReplyMessageRequest(reply_token=event["replyToken"], messages=[text("ok")])
    await line.api.reply_message(request)
    fake.webhook_body([redelivery(event)], SECRET)  # same token, already used: stays invalid
    with pytest.raises(ApiException) as exc:
        await line.api.reply_message(request)
    assert exc.value.status == 400

    fresh = fake.issue_reply_token()
    fake.expire_all_reply_tokens()
    with pytest.raises(ApiException) as exc:
        await line.api.reply_message(ReplyMessageRequest(reply_token=fresh, messages=[text("late")]))
    assert exc.value.status == 400 and fake.replies[-1]["replyToken"] == event["replyToken"]


@pytest.mark.asyncio
async def test_unknown_path_and_injection_by_template(fake: FakeLineAPI, line: Clients) -> None:
    fake.fail_next("/v2/bot/profile/{userId}", status=500)
    with pytest.raises(ApiException) as exc:
        await line.api.get_profile(USER)
    assert exc.value.status == 500
    assert (await line.api.get_profile(USER)).user_id == USER
    with pytest.raises(ApiException) as exc:
        await line.api.get_followers()  # an endpoint the fake does not serve
    assert exc.value.status == 404 and fake.requests[-1]["path"] == "/v2/bot/followers/ids"


@pytest.mark.asyncio
async def test_enforced_rate_limit_refuses_a_burst_without_effect() -> None:
    with pytest.raises(ValueError, match="pushes"):
        await FakeLineAPI(max_per_second={"pushes": 1}).start()  # a typo is not silently unlimited
    async with FakeLineAPI(max_per_second={"push": 50, "multicast": 1}) as limited:
        async with AsyncApiClient(Configuration(access_token=limited.access_token, host=limited.url)) as client:
            api = AsyncMessagingApi(client)
            results = await asyncio.gather(
                *(api.push_message(push(text(f"第 {i} 則"))) for i in range(60)), return_exceptions=True
            )
            refused = [r for r in results if isinstance(r, ApiException)]
            assert len(refused) == 10 and all(
                r.status == 429 and json.loads(r.body) == RATE_LIMIT_BODY for r in refused
            )
            assert len(limited.pushes) == 50 and limited.consumption == 50 and limited.rate_limited == 10

            with pytest.raises(ApiException) as exc:  # refused for another reason: does not count
                await api.multicast(MulticastRequest(to=["not-a-user"], messages=[text("x")]))
            assert exc.value.status == 400
            first, second = str(uuid.uuid4()), str(uuid.uuid4())
            await api.multicast(MulticastRequest(to=[USER], messages=[text("1")]), x_line_retry_key=first)
            with pytest.raises(ApiException) as exc:
                await api.multicast(MulticastRequest(to=[USER], messages=[text("2")]), x_line_retry_key=second)
            assert exc.value.status == 429 and error_of(exc) == RATE_LIMIT_BODY and limited.rate_limited == 11
            limited.max_per_second.pop("multicast")  # lifted: the refused key was never accepted
            await api.multicast(MulticastRequest(to=[USER], messages=[text("2")]), x_line_retry_key=second)
            with pytest.raises(ApiException) as exc:
                await api.multicast(MulticastRequest(to=[USER], messages=[text("1")]), x_line_retry_key=first)
            assert exc.value.status == 409
    assert [m["retry_key"] for m in limited.multicasts] == [first, second] and limited.consumption == 52


@pytest.mark.asyncio
async def test_paced_pushes_below_the_limit_are_never_refused() -> None:
    # 0.8x the limit (40/s against 50/s) for 1.3 s: more pushes (52) than one window holds.
    async with FakeLineAPI(max_per_second={"push": 50}) as limited:
        async with AsyncApiClient(Configuration(access_token=limited.access_token, host=limited.url)) as client:
            api = AsyncMessagingApi(client)

            async def send(i: int) -> None:
                await asyncio.sleep(i / 40)  # on an absolute schedule: a late one does not delay the rest
                await api.push_message(push(text(f"{i}")))

            await asyncio.gather(*(send(i) for i in range(52)))
    assert len(limited.pushes) == 52 and limited.rate_limited == 0


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.mark.asyncio
async def test_message_content_through_the_blob_api(fake: FakeLineAPI, line: Clients) -> None:
    event = image_message_event(USER)
    message_id = event["message"]["id"]
    fake.add_content(message_id, PNG, "image/png")
    assert await line.blob.get_message_content(message_id) == bytearray(PNG)
    assert fake.requests[-1]["path"] == f"/v2/bot/message/{message_id}/content"
    assert fake.requests[-1]["headers"]["Authorization"] == f"Bearer {fake.access_token}"
    response = await line.blob.get_message_content_with_http_info(message_id)
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    pdf = file_message_event(USER)["message"]["id"]
    fake.add_content(pdf, b"%PDF-1.4", "application/pdf")
    assert await line.blob.get_message_content(pdf) == bytearray(b"%PDF-1.4")
    jpeg_id = image_message_event(USER, "100000000000000001")["message"]["id"]
    fake.add_content(jpeg_id, b"\xff\xd8\xff")  # image/jpeg by default
    assert (await line.blob.get_message_content_with_http_info(jpeg_id)).headers["Content-Type"] == "image/jpeg"

    fake.fail_next("message_content", status=500)
    with pytest.raises(ApiException) as exc:
        await line.blob.get_message_content(message_id)
    assert exc.value.status == 500
    for missing in ("999999999999999999", message_id):
        fake.expire_content(message_id)  # gone after LINE's retention time
        with pytest.raises(ApiException) as exc:
            await line.blob.get_message_content(missing)
        assert exc.value.status == 404 and error_of(exc) == {"message": "Not found"}

    async with AsyncApiClient(Configuration(access_token="wrong", host=fake.url)) as client:
        with pytest.raises(ApiException) as exc:
            await AsyncMessagingApiBlob(client).get_message_content(pdf)
    assert exc.value.status == 401 and error_of(exc)["message"].startswith("Authentication failed")


def test_media_and_group_events_parse_into_their_classes() -> None:
    fake = FakeLineAPI()  # webhook_body needs no running server
    group, room, other = new_group_id(), new_room_id(), new_user_id()
    events = [
        image_message_event(USER, "123456789012345678", image_set=("E005D41A7288F41B65", 2, 3)),
        image_message_event(USER),
        sticker_message_event(USER),
        location_message_event(USER),
        file_message_event(USER, file_name="學習紀錄.pdf", size=2048),
        audio_message_event(USER),
        video_message_event(USER),
        group_text_event(group, USER, "群組訊息"),
        room_text_event(room, USER, "聊天室訊息"),
        join_event(group),
        leave_event(group),
        member_joined_event(group, [USER, other]),
    ]
    body, signature = fake.webhook_body(events, SECRET)
    parsed = WebhookParser(SECRET).parse(body.decode("utf-8"), signature)
    image, single, sticker, location, file, audio, video, in_group, in_room, join, leave, joined = parsed
    for raw, event in zip(events, parsed):
        assert not isinstance(event, UnknownEvent), raw
        assert event.mode.value == "active" and event.delivery_context.is_redelivery is False
        assert event.webhook_event_id == raw["webhookEventId"] and event.timestamp == raw["timestamp"]
        assert (getattr(event, "reply_token", None) is not None) == ("replyToken" in raw)
        if isinstance(event, MessageEvent):
            assert event.message.id == raw["message"]["id"] and event.reply_token
    assert isinstance(image.message, ImageMessageContent) and image.message.id == "123456789012345678"
    assert (image.message.image_set.id, image.message.image_set.index, image.message.image_set.total) == (
        "E005D41A7288F41B65",
        2,
        3,
    )
    assert image.message.content_provider.type == "line" and image.message.quote_token
    assert isinstance(single.message, ImageMessageContent) and single.message.image_set is None
    assert len(single.message.id) == 18 and single.message.id.isdigit()
    assert isinstance(sticker.message, StickerMessageContent) and sticker.message.quote_token
    assert isinstance(location.message, LocationMessageContent) and location.message.latitude == 25.037531
    assert isinstance(file.message, FileMessageContent)
    assert (file.message.file_name, file.message.file_size) == ("學習紀錄.pdf", 2048)
    assert file_message_event(USER)["message"] | {"id": "1"} == {
        "id": "1",
        "type": "file",
        "fileName": "record.pdf",
        "fileSize": 12345,
    }
    assert isinstance(audio.message, AudioMessageContent) and audio.message.duration == 6000
    assert isinstance(video.message, VideoMessageContent) and video.message.quote_token
    assert isinstance(in_group, MessageEvent) and isinstance(in_group.source, GroupSource)
    assert (in_group.source.group_id, in_group.source.user_id, in_group.message.text) == (group, USER, "群組訊息")
    assert isinstance(in_room.source, RoomSource) and in_room.source.room_id == room
    assert in_room.source.user_id == USER and isinstance(in_room.message, TextMessageContent)
    assert isinstance(join, JoinEvent) and isinstance(join.source, GroupSource) and join.source.user_id is None
    assert isinstance(leave, LeaveEvent) and leave.source.group_id == group
    assert isinstance(joined, MemberJoinedEvent) and [m.user_id for m in joined.joined.members] == [USER, other]


@pytest.mark.asyncio
async def test_join_event_reply_token_works_once(fake: FakeLineAPI, line: Clients) -> None:
    event = join_event(new_group_id())
    fake.webhook_body([event], SECRET)  # issues the token, as LINE would have
    request = ReplyMessageRequest(reply_token=event["replyToken"], messages=[text("大家好")])
    await line.api.reply_message(request)
    with pytest.raises(ApiException):
        await line.api.reply_message(request)
    assert [r["replyToken"] for r in fake.replies] == [event["replyToken"]]
