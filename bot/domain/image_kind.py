"""Is this file a picture? Decided from its first bytes, so a screenshot given to `check`
or sent as a document is read by OCR, and text is read as text, whatever the file is called."""

from __future__ import annotations

_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


def looks_like_image(data: bytes) -> bool:
    head = data[:16]
    return head.startswith(_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
