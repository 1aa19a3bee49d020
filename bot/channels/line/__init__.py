"""The LINE channel (line-bot-sdk v3): a thin adapter between LINE and the core.

Only this package imports linebot. `channel` owns the webhook and the lifecycle,
`events` reads LINE events, `render` and `flex` turn replies into LINE messages,
`sender` delivers them (reply token, push with retry keys, rate limits), and
`richmenu` installs the rich menu (`python -m bot line richmenu`). `sdk` imports the SDK
first, lighter than it ships (see there).
"""

from bot.channels.line import sdk

sdk.load()

from bot.channels.line.channel import GROUP_NOTE_EVERY, WEBHOOK_PATH, LineChannel  # noqa: E402

__all__ = ["GROUP_NOTE_EVERY", "WEBHOOK_PATH", "LineChannel"]
