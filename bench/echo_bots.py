"""The baselines of bench/cpu.py: bare echo bots on the same SDKs, web server and HTTP client.

    python bench/echo_bots.py telegram --port P --api URL --token T --secret S
    python bench/echo_bots.py line --port P --api URL --token T --secret S

Each is the smallest correct bot its SDK's documentation shows, in webhook mode behind an
aiohttp server as the bot is: Telegram, python-telegram-bot's `Application` with one
`MessageHandler` answering `reply_text(text)`, updates fed to `update_queue` as PTB's own
webhook does, on the bot's own aiohttp request class (`AiohttpRequest`, so that the HTTP
client is not what is compared); LINE, line-bot-sdk v3's `WebhookParser` and
`AsyncMessagingApi.reply_message` with one `TextMessage`. Neither stores anything.

`POST /broadcast?n=N&text=T` sends T to N people (Telegram chats 700000000…, LINE users
`bench.people.line_user`): Telegram one `send_message` each, paced at 30 a second by a plain
loop (a rate limiter of PTB's would also pace the replies), LINE in multicasts of 500 — what a bare bot would do for the
broadcast phases of the benchmark. `GET /ready` answers once the bot has started.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.people import line_user, telegram_chat  # noqa: E402

MULTICAST = 500  # LINE's most recipients per multicast
TELEGRAM_RATE = 30.0  # messages/s: Telegram's overall limit


async def telegram(args: argparse.Namespace) -> web.Application:
    from telegram import Update
    from telegram.ext import Application, MessageHandler, filters

    from bot.channels.telegram.aiohttp_request import AiohttpRequest

    async def echo(update: Update, _context: object) -> None:
        assert update.message is not None
        await update.message.reply_text(update.message.text or "")

    application = (
        Application.builder()
        .token(args.token)
        .base_url(f"{args.api}/bot")
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest())
        .updater(None)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await application.initialize()
    await application.start()

    async def webhook(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != args.secret:
            return web.Response(status=403)
        await application.update_queue.put(Update.de_json(await request.json(), application.bot))
        return web.Response()

    async def broadcast(request: web.Request) -> web.Response:
        count, text = int(request.query["n"]), request.query["text"]

        async def send_all() -> None:
            loop, start = asyncio.get_running_loop(), asyncio.get_running_loop().time()
            for n in range(count):
                await application.bot.send_message(telegram_chat(n), text)
                await asyncio.sleep(max(0.0, start + (n + 1) / TELEGRAM_RATE - loop.time()))

        asyncio.get_running_loop().create_task(send_all())
        return web.Response()

    app = web.Application()
    app.router.add_post("/telegram/webhook", webhook)
    app.router.add_post("/broadcast", broadcast)
    return app


async def line(args: argparse.Namespace) -> web.Application:
    from linebot.v3 import WebhookParser
    from linebot.v3.exceptions import InvalidSignatureError
    from linebot.v3.messaging import (
        AsyncApiClient,
        AsyncMessagingApi,
        Configuration,
        MulticastRequest,
        ReplyMessageRequest,
        TextMessage,
    )
    from linebot.v3.webhooks import MessageEvent, TextMessageContent

    parser = WebhookParser(args.secret)
    api = AsyncMessagingApi(AsyncApiClient(Configuration(access_token=args.token, host=args.api)))

    async def webhook(request: web.Request) -> web.Response:
        body = await request.text()
        try:
            events = parser.parse(body, request.headers.get("X-Line-Signature", ""))
        except InvalidSignatureError:
            return web.Response(status=400)
        for event in events:
            if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
                text = TextMessage(text=event.message.text)
                await api.reply_message(ReplyMessageRequest(reply_token=event.reply_token, messages=[text]))
        return web.Response(text="OK")

    async def broadcast(request: web.Request) -> web.Response:
        count, text = int(request.query["n"]), request.query["text"]
        people = [line_user(n) for n in range(count)]
        for start in range(0, count, MULTICAST):
            batch = people[start : start + MULTICAST]
            await api.multicast(MulticastRequest(to=batch, messages=[TextMessage(text=text)]))
        return web.Response()

    app = web.Application()
    app.router.add_post("/line/webhook", webhook)
    app.router.add_post("/broadcast", broadcast)
    return app


async def main(args: argparse.Namespace) -> None:
    app = await (telegram(args) if args.channel == "telegram" else line(args))

    async def ready(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app.router.add_get("/ready", ready)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("channel", choices=["telegram", "line"])
    cli.add_argument("--port", type=int, required=True)
    cli.add_argument("--api", required=True)
    cli.add_argument("--token", required=True)
    cli.add_argument("--secret", required=True)
    asyncio.run(main(cli.parse_args()))
