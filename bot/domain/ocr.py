"""Read a screenshot of the learning record (學習紀錄) offline, as text lines.

Many staff send a picture instead of pasting the table: a desktop screenshot of the whole
table or a few phone screenshots of the card list. The engine turns one picture into lines
the record parser already understands (tab-separated cells, one table row per line when
the table's header is visible), so the rest of the bot does not care where text came from.

RapidOCR's wheel ships its PP-OCRv6 detection and recognition models, so nothing is
downloaded at run time; they are loaded on first use, once, and the loaded engine is
shared (calls are serialised: on a small machine two OCRs at once are not faster).
"""

from __future__ import annotations

import ctypes
import io
import os
import threading
import warnings
from typing import TYPE_CHECKING, Any, Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

from bot.domain.ocr_layout import Box, read_lines

if TYPE_CHECKING:
    import numpy as np

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = frozenset({"PNG", "JPEG", "WEBP", "GIF", "BMP"})
# Phone text is ~1/27 of the screen width; at 600 px wide it is still ~22 px high, enough
# for the recogniser (same accuracy in bench/ocr.py), and detection is ~3x faster than at a
# phone's native 1080-1440 px.
PORTRAIT_WIDTH = 600
# Desktop screenshots keep their size up to this long side: table text is only ~16 px.
LANDSCAPE_SIDE = 2000
MIN_SCORE = 0.5
PARAMS: dict[str, Any] = {
    "Global.log_level": "error",
    "Global.use_cls": False,  # screenshots are upright
    "Global.max_side_len": LANDSCAPE_SIDE,
    "Global.text_score": MIN_SCORE,
    "Rec.rec_batch_num": 16,
    # The detector's own default (the short side scaled to at least 736 px) would undo the
    # phone downscale above; at the working width it is ~12% faster with the same rows read.
    "Det.limit_side_len": PORTRAIT_WIDTH,
}


class ImageError(ValueError):
    """The picture cannot be read; `reason` is a message key for the person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OcrEngine(Protocol):
    def read(self, image: bytes) -> list[str]:
        """The picture's text as lines, top to bottom (one line per table row)."""
        ...


def decode(image: bytes) -> Image.Image:
    """An upright RGB picture, refusing what is not an image or is too large to be a screenshot."""
    if len(image) > MAX_BYTES:
        raise ImageError("record.image_too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(image))
            if img.format not in FORMATS:
                raise ImageError("record.image_unreadable")
            if img.width * img.height > MAX_PIXELS:
                raise ImageError("record.image_too_large")
            img.load()
            img = ImageOps.exif_transpose(img)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ImageError("record.image_too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError("record.image_unreadable") from exc
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return img.convert("RGB")


def working_size(width: int, height: int) -> tuple[int, int]:
    """The size OCR runs at: smaller for speed, never so small that text gets unreadable."""
    portrait = height > 1.3 * width
    scale = min(1.0, PORTRAIT_WIDTH / width if portrait else LANDSCAPE_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _return_big_buffers_to_the_os() -> None:
    """ONNX Runtime's tensors are freed after every run, but glibc keeps the freed heap and
    the process's RSS creeps to twice the real peak; served by mmap from 256 KiB up they go
    back to the system. Process-wide, harmless elsewhere (glibc only; ignored otherwise)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 256 * 1024)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1024 * 1024)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def _threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class RapidOcrEngine:
    """RapidOCR (ONNX Runtime, CPU) with the layout step that rebuilds table rows."""

    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads or _threads()
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._ocr: Any = None

    def _engine(self) -> Any:
        if self._ocr is None:
            with self._load_lock:
                if self._ocr is None:
                    from rapidocr import RapidOCR  # heavy import (cv2, onnxruntime): first use only

                    _return_big_buffers_to_the_os()

                    threads = {
                        "EngineConfig.onnxruntime.intra_op_num_threads": self._threads,
                        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                    }
                    ocr = RapidOCR(params={**PARAMS, **threads})
                    ocr._load_det_model()  # RapidOCR defers these to its first call; load them now
                    ocr._load_rec_model()
                    self._ocr = ocr
        return self._ocr

    def load(self) -> None:
        """Load the models now (e.g. at start-up) instead of on the first picture."""
        self._engine()

    def boxes(self, image: bytes) -> list[Box]:
        """The recognised text boxes, in the original picture's coordinates."""
        import numpy as np

        img = decode(image)
        size = working_size(img.width, img.height)
        scale = img.width / size[0]
        if size != img.size:
            img = img.resize(size, Image.Resampling.LANCZOS)
        pixels: np.ndarray = np.asarray(img)[:, :, ::-1]  # RGB → BGR, as OpenCV models expect
        engine = self._engine()
        with self._run_lock:
            result = engine(np.ascontiguousarray(pixels))
        if result.boxes is None or result.txts is None:
            return []
        out = []
        for quad, text in zip(result.boxes, result.txts, strict=True):
            xs, ys = [p[0] * scale for p in quad], [p[1] * scale for p in quad]
            if text.strip():
                out.append(Box(text.strip(), min(xs), min(ys), max(xs), max(ys)))
        return out

    def read(self, image: bytes) -> list[str]:
        return read_lines(self.boxes(image))


_DEFAULT: list[RapidOcrEngine] = []
_DEFAULT_LOCK = threading.Lock()


def default_engine() -> OcrEngine:
    """The process's one engine (models are loaded on its first read), made once even when
    several threads ask at the same time."""
    with _DEFAULT_LOCK:
        if not _DEFAULT:
            _DEFAULT.append(RapidOcrEngine())
        return _DEFAULT[0]
