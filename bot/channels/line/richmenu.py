"""`python -m bot line richmenu`: create the rich menu, upload its image, make it the default.

Layout, 2 rows x 3 areas on a 2500x843 image (bot/channels/line/richmenu.png, drawn to
match; replace it with `--image` to use your own art, same layout):

    ┌──────────┬──────────┬──────────┐
    │ 進度      │ 步驟      │ 課程      │
    ├──────────┼──────────┼──────────┤
    │ 常見問題   │ 提醒      │ 選單      │
    └──────────┴──────────┴──────────┘

Every area is a MESSAGE action that sends a zh-TW keyword the core already understands
(bot/core/keywords.yaml), never a postback: a rich menu is global, so it cannot carry a
person's button epoch, and LINE for PC does not show rich menus, so every action must be
something a person can also type.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    MessageAction,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
)

from bot.channels.line.client import open_client
from bot.channels.line.limits import clip_label
from bot.channels.line.sender import NETWORK_ERRORS, error_message
from bot.config import ConfigError, LineSettings, Settings
from bot.i18n import DEFAULT_LANG, t, using

IMAGE = Path(__file__).with_name("richmenu.png")
WIDTH, HEIGHT, COLUMNS, ROWS = 2500, 843, 3, 2
NAME = "elearn-bot main menu"
MAX_IMAGE_BYTES = 1024 * 1024  # LINE's limit
MAX_CHAT_BAR = 14
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Area:
    label_key: str  # what screen readers say
    keyword: str  # what tapping sends, as if typed


AREAS = (
    Area("line.richmenu.status", "進度"),
    Area("line.richmenu.steps", "步驟"),
    Area("line.richmenu.bundles", "課程"),
    Area("line.richmenu.faq", "常見問題"),
    Area("line.richmenu.remind", "提醒"),
    Area("line.richmenu.menu", "選單"),
)  # left to right, top to bottom


class RichMenuError(Exception):
    """The rich menu could not be installed; the message says why."""


def bounds(index: int) -> RichMenuBounds:
    col, row = index % COLUMNS, index // COLUMNS
    x0, x1 = WIDTH * col // COLUMNS, WIDTH * (col + 1) // COLUMNS
    y0, y1 = HEIGHT * row // ROWS, HEIGHT * (row + 1) // ROWS
    return RichMenuBounds(x=x0, y=y0, width=x1 - x0, height=y1 - y0)


def build_rich_menu() -> RichMenuRequest:
    with using(DEFAULT_LANG):  # global: one language for everyone
        areas = [
            RichMenuArea(bounds=bounds(i), action=MessageAction(label=clip_label(t(a.label_key)), text=a.keyword))
            for i, a in enumerate(AREAS)
        ]
        chat_bar = t("line.richmenu.chat_bar")[:MAX_CHAT_BAR]
    return RichMenuRequest(
        size=RichMenuSize(width=WIDTH, height=HEIGHT), selected=True, name=NAME, chat_bar_text=chat_bar, areas=areas
    )


def read_image(path: Path) -> tuple[bytes, str]:
    """The image bytes and content type, checked against LINE's rules before any request."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RichMenuError(f"cannot read the rich menu image {path}: {exc.strerror}") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise RichMenuError(f"{path} is {len(data):,} bytes; LINE accepts at most 1 MB")
    if data.startswith(PNG_MAGIC) and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        if (width, height) != (WIDTH, HEIGHT):
            raise RichMenuError(f"{path} is {width}x{height}; the rich menu needs {WIDTH}x{HEIGHT}")
        return data, "image/png"
    if data.startswith(b"\xff\xd8"):
        return data, "image/jpeg"
    raise RichMenuError(f"{path} is not a PNG or JPEG image")


async def install(client: AsyncApiClient, image: bytes, content_type: str) -> str:
    """Create the menu, upload its image, set it as everyone's default; its id."""
    api, blob = AsyncMessagingApi(client), AsyncMessagingApiBlob(client)
    menu = build_rich_menu()
    await api.validate_rich_menu_object(menu)
    menu_id = (await api.create_rich_menu(menu)).rich_menu_id
    try:
        # Without the header the SDK would try to JSON-encode the bytes.
        await blob.set_rich_menu_image(menu_id, image, _headers={"Content-Type": content_type})
        await api.set_default_rich_menu(menu_id)
    except Exception:
        with contextlib.suppress(ApiException, *NETWORK_ERRORS):
            await api.delete_rich_menu(menu_id)  # leave no half-made menu behind
        raise
    return menu_id


async def install_with(settings: LineSettings, image: bytes, content_type: str) -> str:
    async with open_client(settings.access_token, settings.api_url) as client:
        return await install(client, image, content_type)


def run_richmenu_command(image: str | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """The CLI command: the menu id on stdout; ConfigError (LINE not configured) is left to
    the CLI to report."""
    out, err = out or sys.stdout, err or sys.stderr
    settings = Settings.from_env()
    if settings.line is None:
        raise ConfigError(
            "LINE is not configured: set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN "
            "(and LINE_API_URL only to use another API server)"
        )
    try:
        data, content_type = read_image(Path(image) if image else IMAGE)
        menu_id = asyncio.run(install_with(settings.line, data, content_type))
    except RichMenuError as exc:
        print(f"error: {exc}", file=err)
        return 1
    except ApiException as exc:
        print(f"error: LINE refused the rich menu ({exc.status}): {error_message(exc)}", file=err)
        return 1
    except NETWORK_ERRORS as exc:
        print(f"error: cannot reach the LINE API at {settings.line.api_url}: {exc or type(exc).__name__}", file=err)
        return 1
    print(f"rich menu created, image uploaded and set as the default for everyone: {menu_id}", file=err)
    print(menu_id, file=out)
    return 0
