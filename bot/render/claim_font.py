"""The fonts the claim form is printed in: found on disk, checked, subset, embedded.

The form must show Traditional Chinese on any viewer, so the font is embedded, and it
must never print tofu, so every character is checked against the fonts before drawing.
The CJK font comes from the machine's install steps (Debian's `fonts-noto-cjk`), never
from the network; `CLAIM_FONT` points at another .ttf/.otf/.ttc.

Noto Sans CJK has CFF outlines in a collection (.ttc). A CID-keyed CFF font embedded
as it is needs an embedded encoding CMap, which several PDF readers and text extractors
mishandle, so the face is subset to the characters printed and its outlines converted to
TrueType: fpdf2 then embeds it as a plain Identity-H CIDFontType2 that every reader knows.
Noto CJK has no 「⁺」 (of e等公務園⁺), so DejaVu Sans (in every Debian image) is the fallback.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, TTLibError, newTable

FONT_ENV = "CLAIM_FONT"

# Where the CJK font is looked for, in order, after CLAIM_FONT.
FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch noto-fonts-cjk
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora google-noto-cjk-fonts
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",  # Debian fonts-noto-cjk
)
# Fallbacks for the few characters CJK fonts lack (「⁺」 U+207A).
FALLBACK_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # Debian fonts-dejavu-core
    "/usr/share/fonts/TTF/DejaVuSans.ttf",  # Arch ttf-dejavu
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",  # Fedora
)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


class ClaimFontError(RuntimeError):
    """No usable font, or a character no font can print: fail rather than print tofu."""


@dataclass(frozen=True)
class Face:
    path: Path
    number: int  # face index inside a collection, 0 otherwise
    name: str


@dataclass(frozen=True)
class PreparedFonts:
    """TrueType subsets ready for fpdf2: regular, bold (may be the regular) and fallback."""

    regular: Path
    bold: Path
    fallback: Path | None
    face: Face


def printable(texts: Iterable[str]) -> set[str]:
    """The characters of `texts` that need a glyph (whitespace and line breaks need none)."""
    return {ch for text in texts for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "C"}


def _rank(font: TTFont) -> int:
    """Prefer the Traditional Chinese face of a collection: TC, then HK, proportional."""
    name = str(font["name"].getDebugName(4) or "")
    tokens = name.replace("-", " ").split()
    rank = 0 if "TC" in tokens else 1 if "HK" in tokens else 2
    return rank * 2 + ("Mono" in tokens)


def _pick(path: Path, faces: list[TTFont], chars: set[str]) -> tuple[Face, set[str]]:
    ordered = sorted(enumerate(faces), key=lambda item: (_rank(item[1]), item[0]))
    if _rank(ordered[0][1]) < 4:
        ordered = ordered[:1]
    best: tuple[Face, set[str]] | None = None
    for number, font in ordered:
        cmap = font.getBestCmap() or {}
        lacking = {ch for ch in chars if ord(ch) not in cmap}
        if best is None or len(lacking) < len(best[1]):
            best = Face(path, number, str(font["name"].getDebugName(4) or path.name)), lacking
    assert best is not None
    return best


def choose_face(path: Path, chars: set[str]) -> tuple[Face, set[str]]:
    """The face of `path` to print `chars` in, and the characters it lacks.

    In a collection the Traditional Chinese face (by name) wins even if it lacks a few
    characters that a fallback then prints; otherwise the face lacking the fewest.
    """
    try:
        if path.suffix.lower() in (".ttc", ".otc"):
            with TTCollection(str(path), lazy=True) as collection:
                return _pick(path, list(collection.fonts), chars)
        with TTFont(str(path), lazy=True) as font:
            return _pick(path, [font], chars)
    except (OSError, TTLibError, KeyError) as exc:
        raise ClaimFontError(f"cannot read the font {path} ({exc}); set {FONT_ENV} to a .ttf/.otf/.ttc") from exc


def find_font() -> Path:
    """CLAIM_FONT if set (it must exist), otherwise the first of FONT_PATHS on disk."""
    override = os.environ.get(FONT_ENV, "").strip()
    if override:
        path = Path(override).expanduser()
        if not path.is_file() or path.suffix.lower() not in FONT_SUFFIXES:
            raise ClaimFontError(f"{FONT_ENV}={override} is not a .ttf/.otf/.ttc file")
        return path
    for candidate in FONT_PATHS:
        if Path(candidate).is_file():
            return Path(candidate)
    raise ClaimFontError(
        "no Traditional Chinese font found for the claim form: install Debian's fonts-noto-cjk "
        f"or set {FONT_ENV} to a .ttf/.otf/.ttc (looked in {', '.join(FONT_PATHS)})"
    )


def _bold_of(path: Path) -> Path | None:
    bold = path.with_name(path.name.replace("Regular", "Bold"))
    return bold if bold != path and bold.is_file() else None


def _fallback(chars: set[str]) -> tuple[Path | None, set[str]]:
    """The first fallback on disk, and what it covers of `chars`."""
    if not chars:
        return None, set()
    for candidate in FALLBACK_PATHS:
        path = Path(candidate)
        if path.is_file():
            with TTFont(str(path), lazy=True) as font:
                cmap = font.getBestCmap() or {}
            return path, {ch for ch in chars if ord(ch) in cmap}
    return None, set()


def _to_truetype(font: TTFont) -> None:
    """Replace CFF outlines by quadratic TrueType ones (cu2qu), in place."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    for tag in ("CFF ", "CFF2", "VORG"):
        if tag in font:
            del font[tag]
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    maxp.numGlyphs = len(order)
    font["maxp"] = maxp
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0  # no glyph names: the PDF's ToUnicode map carries the text
    font.sfntVersion = "\x00\x01\x00\x00"


def _subset(face: Face, chars: set[str], out: Path) -> Path:
    """The glyphs of `chars` from one face, as a small TrueType file."""
    with TTFont(str(face.path), fontNumber=face.number, lazy=True) as font:
        _subset_into(font, chars, out)
    return out


def _subset_into(font: TTFont, chars: set[str], out: Path) -> None:
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    options.drop_tables += ["FFTM"]  # FontForge's timestamps (DejaVu): not subsettable, not needed
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    if "glyf" not in font:
        _to_truetype(font)
    font.save(str(out))


@contextmanager
def prepared_fonts(texts: Iterable[str]) -> Iterator[PreparedFonts]:
    """Fonts covering every printable character of `texts`, as temporary TrueType subsets.

    Raises ClaimFontError naming the characters when no font has a glyph for them.
    """
    chars = printable(texts) | set("0123456789 ")  # page numbers are filled in late; fpdf2 needs a space
    path = find_font()
    face, lacking = choose_face(path, chars)
    fallback, rescued = _fallback(lacking)
    missing = lacking - rescued
    if missing:
        shown = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in sorted(missing))
        raise ClaimFontError(
            f"the font {face.name} ({path}) has no glyph for: {shown}; set {FONT_ENV} to a font that has them"
        )
    covered = chars - lacking
    bold_path = _bold_of(path)
    with TemporaryDirectory(prefix="claim-font-") as tmp:
        folder = Path(tmp)
        regular = _subset(face, covered, folder / "regular.ttf")
        bold = regular
        if bold_path is not None:
            bold_face, bold_lacks = choose_face(bold_path, covered)
            if not bold_lacks:
                bold = _subset(bold_face, covered, folder / "bold.ttf")
        extra = _subset(Face(fallback, 0, fallback.name), rescued, folder / "fallback.ttf") if fallback else None
        yield PreparedFonts(regular, bold, extra, face)
