"""The text of a plan document as HR receives it: a text file, a PDF with a text layer, a .docx.

Everything is read offline. Text files are UTF-8 or, from older offices, Big5/CP950. A .docx
table becomes tab-separated rows, the shape the extractor reads from PDF copies too.
"""

from __future__ import annotations

from pathlib import Path

from bot.plans.draft.extract import DraftError

_TEXT = {".txt", ".text", ".md"}


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "cp950", "big5hkscs"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DraftError(f"{path}: 不是 UTF-8 或 Big5 編碼的文字檔")


def _pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, OSError, ValueError) as exc:
        raise DraftError(f"{path}: 無法讀取 PDF（{exc}）") from exc
    if not text.strip():
        raise DraftError(f"{path}: PDF 沒有文字層（可能是掃描圖片），請提供可複製文字的版本")
    return text


def _docx(path: Path) -> str:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DraftError(f"{path}: 無法讀取 .docx（{exc}）") from exc
    out: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                last = None
                for cell in row.cells:
                    if cell._tc is last:  # a cell merged across columns is listed once per column
                        continue
                    last = cell._tc
                    cells.append(cell.text.replace("\n", ""))
                out.append("\t".join(cells))
            out.append("")
    return "\n".join(out)


def document_text(path: Path) -> str:
    """The plain text of a plan document; DraftError, naming the file, for anything else."""
    path = Path(path)
    if not path.is_file():
        raise DraftError(f"{path}: 找不到檔案")
    suffix = path.suffix.lower()
    if suffix in _TEXT:
        return _decode(path.read_bytes(), path)
    if suffix == ".pdf":
        return _pdf(path)
    if suffix == ".docx":
        return _docx(path)
    raise DraftError(f"{path}: 不支援的檔案格式「{suffix or '（無副檔名）'}」，請提供 .txt、.pdf（含文字層）或 .docx")
