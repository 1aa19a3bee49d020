"""The webhook door: signature first, size and shape, redeliveries, events not served."""

from __future__ import annotations

import logging

import pytest

from bot.channels.line.channel import MAX_BODY
from tests.channels.line.conftest import SECRET, LineBot, texts
from tests.fakes.line_api import (
    follow_event,
    new_user_id,
    redelivery,
    sign,
    text_message_event,
    webhook_body,
)


async def nothing_happened(bot: LineBot) -> None:
    await bot.channel.drain(5)
    assert bot.fake.requests == []  # not even a profile lookup
    assert await bot.store.get_user("line", bot.user) is None


async def test_missing_or_wrong_signature_is_refused(bot: LineBot) -> None:
    body, signature = bot.fake.webhook_body([follow_event(bot.user)], SECRET)
    assert await bot.post_body(body, sign(body, "another-secret")) == 400
    assert await bot.post_body(body, None) == 400
    assert await bot.post_body(body.replace(b"follow", b"folloW"), signature) == 400  # body changed after signing
    await nothing_happened(bot)


async def test_malformed_json_and_non_payloads_are_refused(bot: LineBot) -> None:
    for body in (b'{"destination": "U1", "events": [', b"[]", b'{"events": {}}', "無效".encode()):
        assert await bot.post_body(body, sign(body, SECRET)) == 400, body
    latin1 = b'{"events": [\xff]}'
    assert await bot.post_body(latin1, "x") == 400
    await nothing_happened(bot)


async def test_oversized_body_is_refused(bot: LineBot) -> None:
    body = b'{"events": [], "pad": "' + b"x" * MAX_BODY + b'"}'
    assert await bot.post_body(body, sign(body, SECRET)) == 413
    await nothing_happened(bot)


async def test_verify_request_with_no_events(bot: LineBot) -> None:
    assert await bot.post([]) == 200  # what the console's "Verify" button sends


async def test_redelivered_event_is_processed_once(bot: LineBot) -> None:
    event = text_message_event(bot.user, "你好")
    assert "請選擇語言" in texts(await bot.send(event))
    assert await bot.send(redelivery(event)) == []
    assert await bot.post([event, redelivery(event)]) == 200
    await bot.channel.drain(5)
    assert len(bot.fake.replies) == 1 and bot.fake.pushes == []


async def test_unknown_and_unserved_events_are_logged(bot: LineBot, caplog: pytest.LogCaptureFixture) -> None:
    no_quote = text_message_event(bot.user, "你好")
    del no_quote["message"]["quoteToken"]  # the SDK reads this as UnknownEvent
    no_id = text_message_event(bot.user, "你好")
    del no_id["webhookEventId"]  # a common field: the SDK cannot read it at all
    group = text_message_event(bot.user, "大家好")
    group["source"] = {"type": "group", "groupId": "C" + new_user_id()[1:], "userId": bot.user}
    sticker = text_message_event(bot.user, "")
    sticker["message"] = {
        "id": "1",
        "type": "sticker",
        "quoteToken": "q",
        "packageId": "1",
        "stickerId": "1",
        "stickerResourceType": "STATIC",
    }
    good = text_message_event(bot.user, "你好")
    with caplog.at_level(logging.INFO, logger="bot.channels.line"):
        assert await bot.post([no_quote, no_id, group, sticker, good]) == 200
        await bot.channel.drain(5)
    # Unreadable events are logged, not answered; the group gets its one note, the sticker an answer.
    answered = {r["replyToken"] for r in bot.fake.replies}
    assert answered == {group["replyToken"], sticker["replyToken"], good["replyToken"]}
    logged = caplog.text
    assert "UnknownEvent" in logged and no_quote["webhookEventId"] in logged
    assert "could not be read" in logged


async def test_stop_waits_for_events_in_progress(bot: LineBot) -> None:
    assert await bot.post([text_message_event(bot.user, "你好")]) == 200
    await bot.channel.stop()  # before the event was handled
    assert len(bot.fake.replies) == 1
    body, signature = webhook_body([text_message_event(bot.user, "再見")], SECRET)
    assert await bot.post_body(body, signature) == 503  # LINE will redeliver to the next instance


@pytest.mark.parametrize("depth", [100_000, 900])
async def test_deeply_nested_signed_body_is_refused_with_one_warning(
    bot: LineBot, depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    deep = "[" * depth + "]" * depth
    body = ('{"destination": "U1", "events": [{"type": "message", "nested": ' + deep + "}]}").encode()
    with caplog.at_level(logging.INFO):
        status = await bot.post_body(body, sign(body, SECRET))
        await bot.channel.drain(5)
    assert status == (400 if depth > 1000 else 200)  # too deep to parse, or one unreadable event
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 1 and not problems[0].exc_info, [r.getMessage() for r in problems]
    await nothing_happened(bot)
