"""Places a claim form's texts on A4 pages with fpdf2.

Kept apart from what the form says (`claim_pdf.build`) so that the wording and figures
can be tested as data, and the page only has to be readable when printed: the course table
wraps long names inside their cells and repeats its header on every page, and the
signature boxes are never split from their labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from fpdf import FPDF, FontFace
from fpdf.enums import Align, MethodReturnValue, TableCellFillMode, WrapMode, XPos, YPos
from fpdf.util import Padding

from bot.render.claim_font import FONT_ENV, ClaimFontError, PreparedFonts, prepared_fonts

MARGIN = 15.0
WIDTH = 210.0 - 2 * MARGIN
COURSE_COLS = (11.0, 70.0, 65.0, 14.0, 20.0)
APPLICANT_COLS = (24.0, 66.0, 24.0, 66.0)
LABEL_FILL = (235, 235, 235)
BUNDLE_FILL = (245, 245, 245)
SIGN_HEIGHT = 26.0
TABLE_SIZE = 9.5
LINE = 4.8  # mm per line in the course table
PAD = 0.9


@dataclass(frozen=True)
class Row:
    kind: Literal["bundle", "course", "total"]
    cells: tuple[str, ...]


@dataclass(frozen=True)
class ClaimDoc:
    """Every text on the form, in reading order."""

    lang: str
    annex: str | None
    plan_title: str
    form_title: str
    recipient: str | None
    basis: str
    applicant: tuple[tuple[str, str, str, str], ...]
    headings: tuple[str, ...]
    rows: tuple[Row, ...]
    lines: tuple[str, ...]
    notes_header: str
    notes: tuple[str, ...]  # numbered already
    declare_header: str
    declarations: tuple[str, ...]
    sign_header: str
    signatures: tuple[str, ...]
    footer: str
    page_label: str  # with {page} and {pages} left to fill in

    def texts(self) -> Iterator[str]:
        yield from (self.annex or "", self.plan_title, self.form_title, self.recipient or "", self.basis)
        for row in self.applicant:
            yield from row
        yield from self.headings
        for r in self.rows:
            yield from r.cells
        yield from (*self.lines, self.notes_header, *self.notes, self.declare_header, *self.declarations)
        yield from (self.sign_header, *self.signatures, self.footer, self.page_label)


class ClaimPage(FPDF):
    """A4 portrait with the page number and where the figures came from at the foot."""

    def __init__(self, doc: ClaimDoc) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc = doc
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=18)
        self.alias_nb_pages("{nb}")
        self.set_creator("elearn-bot")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("cjk", "", 8)
        label = self.doc.page_label.replace("{page}", str(self.page_no())).replace("{pages}", "{nb}")
        self.cell(WIDTH * 0.75, 5, self.doc.footer, align=Align.L)
        self.cell(WIDTH * 0.25, 5, label, align=Align.R)


def _register(pdf: FPDF, fonts: PreparedFonts) -> None:
    pdf.add_font("cjk", "", str(fonts.regular))
    pdf.add_font("cjk", "B", str(fonts.bold))
    if fonts.fallback is not None:
        pdf.add_font("fallback", "", str(fonts.fallback))
        pdf.set_fallback_fonts(["fallback"], exact_match=False)


def _keep(pdf: FPDF, height: float) -> None:
    """Start a new page unless `height` mm still fit: no heading alone at a page's foot."""
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _paragraph(pdf: FPDF, text: str, size: float, height: float, style: str = "", align: Align = Align.L) -> None:
    pdf.set_font("cjk", style, size)
    pdf.multi_cell(WIDTH, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _header(pdf: FPDF, doc: ClaimDoc) -> None:
    if doc.annex:
        pdf.set_font("cjk", "", 10)
        pdf.cell(WIDTH, 5, doc.annex, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _paragraph(pdf, doc.plan_title, 12, 6.5, "B", Align.C)
    pdf.ln(1)
    _paragraph(pdf, doc.form_title, 17, 9, "B", Align.C)
    pdf.ln(1)
    if doc.recipient:
        _paragraph(pdf, doc.recipient, 11, 6.5)
    _paragraph(pdf, doc.basis, 9, 4.8)
    pdf.ln(2)


def _applicant(pdf: FPDF, doc: ClaimDoc, wrap: WrapMode) -> None:
    pdf.set_font("cjk", "", 11)
    label = FontFace(emphasis="B", fill_color=LABEL_FILL)
    with pdf.table(
        col_widths=APPLICANT_COLS, width=WIDTH, first_row_as_headings=False, line_height=7.5, wrapmode=wrap
    ) as table:
        for cells in doc.applicant:
            row = table.row()
            for i, text in enumerate(cells):
                row.cell(text, style=label if i % 2 == 0 else None, align=Align.C if i % 2 == 0 else Align.L)
    pdf.ln(4)


def _row_height(pdf: FPDF, widths: tuple[float, ...], cells: tuple[str, ...], style: str, wrap: WrapMode) -> float:
    """How tall fpdf2 will draw a table row: its tallest cell's lines, plus the padding."""
    pdf.set_font("cjk", style, TABLE_SIZE)
    lines = 1
    for width, text in zip(widths, cells, strict=True):
        found = pdf.multi_cell(
            width, LINE, text, dry_run=True, output=MethodReturnValue.LINES, wrapmode=wrap, padding=Padding.new(PAD)
        )
        lines = max(lines, len(found) if isinstance(found, list) else 1)
    pdf.set_font("cjk", "", TABLE_SIZE)
    return lines * LINE + 2 * PAD


def _height(pdf: FPDF, r: Row, wrap: WrapMode) -> float:
    if r.kind == "bundle":
        return _row_height(pdf, (sum(COURSE_COLS[:3]), *COURSE_COLS[3:]), r.cells, "B", wrap)
    if r.kind == "total":
        return _row_height(pdf, (sum(COURSE_COLS[:4]), COURSE_COLS[4]), r.cells, "B", wrap)
    return _row_height(pdf, COURSE_COLS, r.cells, "", wrap)


def _chunks(pdf: FPDF, doc: ClaimDoc, wrap: WrapMode) -> list[list[Row]]:
    """The rows cut where a bundle's row would end a page without its first course under it."""
    header = _row_height(pdf, COURSE_COLS, doc.headings, "B", wrap)
    heights = [_height(pdf, r, wrap) for r in doc.rows]
    chunks: list[list[Row]] = [[]]
    y = pdf.get_y() + header
    for i, (r, h) in enumerate(zip(doc.rows, heights, strict=True)):
        after = heights[i + 1] if i + 1 < len(heights) else 0.0
        if y + h > pdf.page_break_trigger:  # fpdf2 turns the page here by itself
            y = pdf.t_margin + header
        elif r.kind == "bundle" and chunks[-1] and y + h + after > pdf.page_break_trigger:
            chunks.append([])
            y = pdf.t_margin + header
        chunks[-1].append(r)
        y += h
    return chunks


def _courses(pdf: FPDF, doc: ClaimDoc, wrap: WrapMode) -> None:
    heading = FontFace(emphasis="B", fill_color=LABEL_FILL)
    bundle = FontFace(emphasis="B", fill_color=BUNDLE_FILL)
    for n, chunk in enumerate(_chunks(pdf, doc, wrap)):
        if n:
            pdf.add_page()
        pdf.set_font("cjk", "", TABLE_SIZE)
        with pdf.table(
            col_widths=COURSE_COLS,
            width=WIDTH,
            headings_style=heading,
            line_height=LINE,
            wrapmode=wrap,
            repeat_headings=1,
            text_align=(Align.C, Align.L, Align.L, Align.C, Align.C),
            cell_fill_mode=TableCellFillMode.NONE,
            padding=PAD,
        ) as table:
            head = table.row()
            for text in doc.headings:
                head.cell(text, align=Align.C)
            for r in chunk:
                row = table.row()
                if r.kind == "bundle":
                    row.cell(r.cells[0], colspan=3, style=bundle)
                    row.cell(r.cells[1], style=bundle, align=Align.C)
                    row.cell(r.cells[2], style=bundle, align=Align.C)
                elif r.kind == "total":
                    row.cell(r.cells[0], colspan=4, style=heading, align=Align.R)
                    row.cell(r.cells[1], style=heading, align=Align.C)
                else:
                    for text in r.cells:
                        row.cell(text)
    pdf.ln(3)


def _texts(pdf: FPDF, doc: ClaimDoc) -> None:
    for line in doc.lines:
        _paragraph(pdf, line, 10.5, 6)
    pdf.ln(2)
    _keep(pdf, 6 + 5.2 * 3)
    _paragraph(pdf, doc.notes_header, 10.5, 6, "B")
    for note in doc.notes:
        _paragraph(pdf, note, 9.5, 5.2)
    if doc.declarations:
        pdf.ln(2)
        _keep(pdf, 6 * (1 + len(doc.declarations)))
        _paragraph(pdf, doc.declare_header, 10.5, 6, "B")
        for line in doc.declarations:
            _paragraph(pdf, line, 10.5, 6)
    pdf.ln(4)


def _signatures(pdf: FPDF, doc: ClaimDoc) -> None:
    """One labelled box per signer, side by side, kept on one page with their heading."""
    _keep(pdf, 6 + 8 + SIGN_HEIGHT)
    _paragraph(pdf, doc.sign_header, 10.5, 6, "B")
    pdf.set_font("cjk", "B", 11)
    pdf.set_fill_color(*LABEL_FILL)
    width = WIDTH / len(doc.signatures)
    top = pdf.get_y()
    for i, label in enumerate(doc.signatures):
        pdf.set_xy(MARGIN + i * width, top)
        pdf.cell(width, 8, label, border=1, align=Align.C, fill=True)
        pdf.rect(MARGIN + i * width, top + 8, width, SIGN_HEIGHT)
    pdf.set_xy(MARGIN, top + 8 + SIGN_HEIGHT)


def draw(doc: ClaimDoc) -> bytes:
    """The form as PDF bytes, its font subset and embedded."""
    # Chinese breaks between any two characters; English only between words.
    wrap = WrapMode.WORD if doc.lang == "en" else WrapMode.CHAR
    with prepared_fonts(doc.texts()) as fonts:
        pdf = ClaimPage(doc)
        _register(pdf, fonts)
        pdf.set_title(doc.form_title)
        pdf.set_lang(doc.lang)
        pdf.add_page()
        _header(pdf, doc)
        _applicant(pdf, doc, wrap)
        _courses(pdf, doc, wrap)
        _texts(pdf, doc)
        _signatures(pdf, doc)
        data = bytes(pdf.output())
    _no_tofu(pdf)
    return data


def _no_tofu(pdf: FPDF) -> None:
    """A last check that fpdf2 found a glyph for every character it drew."""
    missing = sorted({chr(u) for font in pdf.fonts.values() for u in getattr(font, "missing_glyphs", [])})
    if missing:
        raise ClaimFontError(f"the claim form's fonts lack glyphs for: {' '.join(missing)}; set {FONT_ENV}")
