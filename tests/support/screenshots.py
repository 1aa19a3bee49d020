"""Screenshots of the platform's 學習紀錄 rendered with Pillow, for the OCR tests and bench.

Real screenshots cannot be shipped (they hold people's names), so the tests draw the two
shapes staff send: the desktop browser's full table (header, grid, a three-line 通過條件
cell, names and periods wrapping inside their cells) and a phone's card list taken over
several overlapping screenshots with a status bar and cards cut at the edges.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
_TC = 3  # index of "Noto Sans CJK TC" in the .ttc collection
COLUMNS = (
    "No.", "課程類型", "課程名稱", "上課期間", "閱讀時數", "測驗", "問卷",
    "通過條件", "通過狀態", "認證時數", "終身學習上傳狀態", "終身學習時數上傳時間",
)  # fmt: skip
# Column widths of the desktop table at 1920 px (sum 1800), as a wide browser lays it out.
PC_WIDTHS = (52, 96, 330, 200, 100, 64, 64, 250, 96, 96, 160, 292)
INK = (33, 37, 41)
GRID = (222, 226, 230)
MUTED = (108, 117, 125)


@dataclass(frozen=True)
class Row:
    """One row of the record as the platform shows it."""

    name: str
    start: str
    end: str
    status: str = "已通過"
    hours: str = "1.0"
    code: str | None = None
    reading: str = "01:00:00"
    kind: str = "開放式"
    uploaded: str = "2023-09-01 12:00:00"

    @property
    def shown_name(self) -> str:
        return f"{self.name} ({self.code})" if self.code else self.name

    @property
    def condition(self) -> tuple[str, ...]:
        return ("課程測驗：75 分(含)以上", "閱讀時數：00:30:00(含)以上", "需填問卷：是")


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc"
    return ImageFont.truetype(str(FONT_DIR / name), size, index=_TC)


def wrap(text: str, fnt: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break text into lines no wider than `width` the way a browser does: after a space,
    `~` or a CJK character, never inside a run of ASCII letters and digits."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if line and fnt.getlength(line + token) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line:
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for ch in text:
        ascii_word = ch.isascii() and (ch.isalnum() or ch in "-:.()/")
        if tokens and ascii_word and tokens[-1][-1:].isascii() and tokens[-1][-1] not in " ~":
            tokens[-1] += ch
        else:
            tokens.append(ch)
    return tokens


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def pc_table(rows: Sequence[Row], size: int = 16, title: bool = True) -> bytes:
    """The full table in a 1920 px wide desktop browser, PNG."""
    fnt, bold = font(size), font(size, bold=True)
    line_h, pad, left = round(size * 1.5), 10, 60
    xs = [left]
    for w in PC_WIDTHS:
        xs.append(xs[-1] + w)

    def cells(row: Row, n: int) -> list[list[str]]:
        texts = [str(n), row.kind, row.shown_name, f"{row.start}~{row.end}", row.reading, "100", "已填"]
        wrapped = [wrap(t, fnt, w - 2 * pad) for t, w in zip(texts, PC_WIDTHS, strict=False)]
        wrapped.append(list(row.condition))
        for t, w in zip((row.status, row.hours, "成功", row.uploaded), PC_WIDTHS[8:], strict=True):
            wrapped.append(wrap(t, fnt, w - 2 * pad))
        return wrapped

    header = [wrap(c, bold, w - 2 * pad) for c, w in zip(COLUMNS, PC_WIDTHS, strict=True)]
    body = [cells(r, n) for n, r in enumerate(rows, 1)]
    heights = [max(len(c) for c in row) * line_h + 2 * pad for row in [header, *body]]
    top = 150 if title else 40
    img = Image.new("RGB", (1920, top + sum(heights) + 80), "white")
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((left, 40), "個人專區 > 學習紀錄", font=font(size + 2), fill=MUTED)
        draw.text((left, 80), "學習紀錄", font=font(size + 12, bold=True), fill=INK)
    y = top
    for i, (row_cells, h) in enumerate(zip([header, *body], heights, strict=True)):
        if i == 0:
            draw.rectangle((xs[0], y, xs[-1], y + h), fill=(243, 245, 247))
        for c, lines in enumerate(row_cells):
            block = len(lines) * line_h
            ty = y + (h - block) // 2  # vertical-align: middle, as browsers do in tables
            for k, text in enumerate(lines):
                tw = (bold if i == 0 else fnt).getlength(text)
                tx = xs[c] + (PC_WIDTHS[c] - tw) / 2 if i == 0 else xs[c] + pad
                draw.text((tx, ty + k * line_h), text, font=bold if i == 0 else fnt, fill=INK)
        draw.line((xs[0], y, xs[-1], y), fill=GRID, width=1)
        y += h
    draw.line((xs[0], y, xs[-1], y), fill=GRID, width=1)
    for x in xs:
        draw.line((x, top, x, y), fill=GRID, width=1)
    return _png(img)


def _card(row: Row, n: int, width: int, size: int) -> Image.Image:
    """One course as the platform's phone layout shows it: a label and its value per line."""
    fnt, label_font = font(size), font(size, bold=True)
    line_h, pad, label_w = round(size * 1.45), round(size * 0.9), round(size * 5.2)
    value_w = width - 2 * pad - label_w
    items = [
        ("No.", [str(n)]),
        ("課程類型", [row.kind]),
        ("課程名稱", wrap(row.shown_name, fnt, value_w)),
        ("上課期間", [f"{row.start} ~", row.end]),
        ("閱讀時數", [row.reading]),
        ("通過狀態", [row.status]),
        ("認證時數", [row.hours]),
    ]
    h = 2 * pad + sum(len(v) for _, v in items) * line_h
    card = Image.new("RGB", (width, h), "white")
    draw = ImageDraw.Draw(card)
    draw.rounded_rectangle((0, 0, width - 1, h - 1), radius=size // 2, outline=GRID, width=2)
    y = pad
    for label, values in items:
        draw.text((pad, y), label, font=label_font, fill=MUTED)
        for value in values:
            draw.text((pad + label_w, y), value, font=fnt, fill=INK)
            y += line_h
    return card


def phone_shots(
    rows: Sequence[Row], per_shot: int = 3, overlap: int = 1, width: int = 1080, height: int = 2340
) -> list[bytes]:
    """Screenshots of the card list scrolled so that each shows `per_shot` whole cards, the
    last `overlap` of them again at the top of the next, and cut cards at both edges."""
    size = round(40 * width / 1080)
    margin = round(size * 0.8)
    cards = [_card(r, n, width - 2 * margin, size) for n, r in enumerate(rows, 1)]
    gap = size // 2
    tops = []
    y = 0
    for c in cards:
        tops.append(y)
        y += c.height + gap
    page = Image.new("RGB", (width, y + height), (246, 247, 249))
    for c, t in zip(cards, tops, strict=True):
        page.paste(c, (margin, height // 2 + t))
    bar, app = round(size * 2.1), round(size * 3.4)
    window = height - bar - app
    shots = []
    step = max(1, per_shot - overlap)
    for first in range(0, max(1, len(cards) - overlap), step):
        last = min(first + per_shot, len(cards)) - 1
        span = tops[last] + cards[last].height - tops[first]
        offset = height // 2 + tops[first] - max(0, (window - span) // 2)
        shot = Image.new("RGB", (width, height), "white")
        shot.paste(page.crop((0, offset, width, offset + window)), (0, bar + app))
        _chrome(shot, size, bar, app)
        shots.append(_png(shot))
    return shots


def _chrome(shot: Image.Image, size: int, bar: int, app: int) -> None:
    draw = ImageDraw.Draw(shot)
    draw.rectangle((0, 0, shot.width, bar + app), fill="white")
    small = font(round(size * 0.8))
    draw.text((size, bar // 4), "10:24", font=small, fill=INK)
    draw.text((shot.width - 4 * size, bar // 4), "87%", font=small, fill=INK)
    draw.text((size, bar + app // 4), "學習紀錄", font=font(round(size * 1.2), bold=True), fill=INK)
    draw.line((0, bar + app - 2, shot.width, bar + app - 2), fill=GRID, width=2)


def as_jpeg(png: bytes, quality: int = 80, scale: float = 0.93) -> bytes:
    """The same picture after a chat app's recompression: JPEG, slightly rescaled."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()
