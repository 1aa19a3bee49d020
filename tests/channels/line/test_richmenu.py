"""`python -m bot line richmenu` against the fake Messaging API."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.line.richmenu import AREAS, HEIGHT, IMAGE, WIDTH, build_rich_menu, read_image
from bot.cli import main
from bot.core.dialogue import load_keywords
from bot.domain.textnorm import normalize
from tests.channels.line.conftest import SECRET
from tests.fakes.line_api import FakeLineAPI


@pytest.fixture
def line_env(monkeypatch: pytest.MonkeyPatch, fake: FakeLineAPI) -> None:
    monkeypatch.setenv("LINE_CHANNEL_SECRET", SECRET)
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", fake.access_token)
    monkeypatch.setenv("LINE_API_URL", fake.url)


async def test_command_creates_uploads_and_sets_default(
    fake: FakeLineAPI, line_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await asyncio.to_thread(main, ["line", "richmenu"]) == 0
    menu_id = capsys.readouterr().out.strip()
    assert fake.default_rich_menu == menu_id
    assert fake.rich_menu_images[menu_id] == ("image/png", IMAGE.read_bytes())
    menu = fake.rich_menus[menu_id]
    assert menu["size"] == {"width": 2500, "height": 843} and menu["selected"] is True
    assert [a["action"]["text"] for a in menu["areas"]] == ["進度", "步驟", "課程", "常見問題", "提醒", "選單"]
    assert all(a["action"]["type"] == "message" for a in menu["areas"])


async def test_failed_upload_leaves_no_menu_behind(
    fake: FakeLineAPI, line_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.fail_next("richmenu_content", status=500)
    assert await asyncio.to_thread(main, ["line", "richmenu"]) == 1
    assert "LINE refused the rich menu (500)" in capsys.readouterr().err
    assert fake.rich_menus == {} and fake.default_rich_menu is None


def test_clear_error_when_line_is_not_configured(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "LINE_API_URL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["line", "richmenu"]) == 1
    assert "LINE is not configured" in capsys.readouterr().err


def test_every_area_sends_a_keyword_the_core_understands() -> None:
    keywords = load_keywords()
    expected = {"進度": "st", "步驟": "steps:0", "課程": "bun", "常見問題": "faq", "提醒": "rem", "選單": "menu"}
    assert {a.keyword: keywords.get(normalize(a.keyword)) for a in AREAS} == expected


def test_areas_tile_the_image_and_the_bundled_image_fits() -> None:
    menu = build_rich_menu().to_dict()
    covered = sum(a["bounds"]["width"] * a["bounds"]["height"] for a in menu["areas"])
    assert covered == WIDTH * HEIGHT and len(menu["chatBarText"]) <= 14
    assert all(0 < len(a["action"]["label"]) <= 20 for a in menu["areas"])
    data, content_type = read_image(IMAGE)
    assert content_type == "image/png" and len(data) <= 1024 * 1024
