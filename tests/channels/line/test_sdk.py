"""The SDK imported the light way (bot.channels.line.sdk) still behaves as it ships.

Checked in a fresh interpreter, where the channel package is the first to import linebot, as in
`python -m bot run`; this test process may have imported the SDK the usual way already.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROGRAM = textwrap.dedent(
    """
    import asyncio, sys
    import bot.channels.line  # imports the SDK through bot.channels.line.sdk
    from pydantic.v1 import ValidationError
    from linebot.v3.messaging import AsyncMessagingApi, ReplyMessageRequest, TextMessage
    from bot.channels.line.client import open_client

    async def main():
        client = open_client("token", "http://127.0.0.1:9")
        api = AsyncMessagingApi(client)
        try:
            try:
                await api.reply_message("not a request")  # the SDK refuses a wrong argument
            except ValidationError as exc:
                print("refused:", exc.errors()[0]["loc"])
            try:
                await api.reply_message(ReplyMessageRequest(reply_token="t", messages=[TextMessage(text="hi")]))
            except Exception as exc:  # nothing listens on port 9: the call got as far as the network
                print("sent:", type(exc).__name__)
        finally:
            await client.close()

    asyncio.run(main())
    import linebot
    print("legacy:", linebot.LineBotApi.__name__, linebot.__version__ != "")
    """
)


def test_the_light_import_still_validates_calls_and_keeps_the_legacy_names() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "refused: ('reply_message_request',)"
    assert lines[1].startswith("sent: ") and "Validation" not in lines[1]
    assert lines[2] == "legacy: LineBotApi True"
