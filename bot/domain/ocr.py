"""Read a screenshot of the learning record (學習紀錄) offline, as text lines.

Many staff send a picture instead of pasting the table: a desktop screenshot of the whole
table or a few phone screenshots of the card list. The engine turns one picture into lines
the record parser already understands (tab-separated cells, one table row per line when
the table's header is visible), so the rest of the bot does not care where text came from.

RapidOCR's wheel ships its PP-OCRv6 detection and recognition models, so nothing is
downloaded at run time; they are loaded on first use, once, and the loaded engine is
shared (calls are serialised: on a small machine two OCRs at once are not faster). Its
detector and recogniser are driven from here rather than through RapidOCR's own pipeline:
the detector reads tall pictures in strips (bounded memory), the recogniser one crop at a
time (no padding to pay for).
"""

from __future__ import annotations

import ctypes
import io
import os
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.domain.ocr_layout import Box, read_lines

if TYPE_CHECKING:  # Pillow and numpy load with the first picture, not at start-up
    import numpy as np
    from PIL import Image

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
# The detector's smallest input side; a thinner picture (one line of text) is padded to it.
MIN_SIDE = 32
# The detector reads the picture in horizontal strips of at most this many pixels, so its
# memory (~130 MiB a megapixel: 300 MiB for a whole 1920x1194 table) is bounded whatever the
# picture's size: a phone screenshot at the working width is one strip, a desktop table is
# read in strips 512 px high, a phone's scrolling screenshot in strips 1664 px high.
DET_PIXELS = 1_000_000
# Strips overlap by this much; a text box belongs to the strip whose middle part holds its
# centre, which saw it whole as long as it is no taller than the overlap.
STRIP_OVERLAP = 128
# The models RapidOCR's wheel ships (its default PP-OCRv6 small detector and recogniser).
MODELS = {"Det": "PP-OCRv6_det_small.onnx", "Rec": "PP-OCRv6_rec_small.onnx"}
# ONNX Runtime's idle worker threads spin (busy-wait) for the next operator unless told not
# to; see _session.
SPIN = False
PARAMS: dict[str, Any] = {
    "Global.log_level": "error",
    # One crop per run: a batch pads every crop to its widest one and the recogniser pays for
    # the padding (half the work on a phone card's short labels and values), and reads the
    # space in `2023-06-04 21:21:00` better without it. The width is only the least a crop is
    # padded to (a square), not PaddleOCR's 320 px.
    "Rec.rec_batch_num": 1,
    "Rec.rec_img_shape": [3, 48, 48],
    # The detector runs at the working size: never scaled up (its default scales the short
    # side to 736 px, undoing the phone downscale), never down (strips bound its size).
    "Det.limit_type": "max",
    "Det.limit_side_len": 4 * LANDSCAPE_SIDE,
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
    from PIL import Image, ImageOps, UnidentifiedImageError

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


def _session(model: Path, threads: int) -> Any:
    """An ONNX Runtime session like RapidOCR's own (no memory arena, every graph
    optimisation) whose idle worker threads sleep instead of spinning: on a small machine
    shared with the bot, the database and other work, spinning threads take the cores the
    run itself needs (a phone shot took 1.3-1.8x as long with two spinning threads on a
    busy 2-core machine; the best runs, when it was quiet, took the same time either way)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 4
    opts.enable_cpu_mem_arena = False
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if SPIN else "0")
    return ort.InferenceSession(str(model), sess_options=opts, providers=["CPUExecutionProvider"])


def strips(width: int, height: int) -> list[tuple[int, int]]:
    """The rows (top, bottom) of the horizontal strips the detector reads, overlapping by
    STRIP_OVERLAP, each at most DET_PIXELS; the whole picture when it is small enough."""
    rows = max(2 * STRIP_OVERLAP, DET_PIXELS // max(1, width) // 32 * 32)
    if height <= rows:
        return [(0, height)]
    tops = [*range(0, height - rows, rows - STRIP_OVERLAP), height - rows]
    return [(top, top + rows) for top in tops]


def pad(pixels: np.ndarray) -> np.ndarray:
    """A picture narrower or lower than the detector's smallest input, edges repeated
    (right and bottom only, so coordinates do not move)."""
    import cv2

    h, w = pixels.shape[:2]
    if h >= MIN_SIDE and w >= MIN_SIDE:
        return pixels
    return cv2.copyMakeBorder(pixels, 0, max(0, MIN_SIDE - h), 0, max(0, MIN_SIDE - w), cv2.BORDER_REPLICATE)


def _detect(engine: Any, pixels: np.ndarray) -> list[np.ndarray]:
    """Text quadrilaterals (4x2, picture coordinates), strip by strip. A box is kept from the
    strip whose share (up to the middle of each overlap) holds its centre: that strip saw it
    whole, a neighbour that saw it cut at its edge has the centre in the overlap's other half."""
    import numpy as np

    h, w = pixels.shape[:2]
    bands = strips(w, h)
    quads = []
    for k, (top, bottom) in enumerate(bands):
        lo = (top + bands[k - 1][1]) / 2 if k else -np.inf
        hi = (bands[k + 1][0] + bottom) / 2 if k + 1 < len(bands) else np.inf
        found = engine.text_det(pixels[top:bottom])
        if found.boxes is None:
            continue
        for quad in found.boxes:
            quad = quad.astype(np.float32) + np.array([0, top], dtype=np.float32)
            if lo <= quad[:, 1].mean() < hi:
                quads.append(quad)
    return sorted(quads, key=lambda q: (float(q[:, 1].min()), float(q[:, 0].min())))


def _recognise(engine: Any, pixels: np.ndarray, quads: list[np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """The text of each box the recogniser is sure enough of, with its box."""
    from rapidocr.ch_ppocr_rec import TextRecInput
    from rapidocr.utils.process_img import get_rotate_crop_image

    if not quads:
        return []
    crops = [get_rotate_crop_image(pixels, q.copy()) for q in quads]
    result = engine.text_rec(TextRecInput(img=crops))
    out = []
    for quad, text, score in zip(quads, result.txts, result.scores, strict=True):
        if score >= MIN_SCORE and text.strip():
            out.append((text.strip(), quad))
    return out


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
                    from omegaconf import flag_override
                    from rapidocr import RapidOCR  # heavy import (cv2, onnxruntime): first use only

                    _return_big_buffers_to_the_os()
                    ocr = RapidOCR(params=PARAMS)
                    for section, name in MODELS.items():  # RapidOCR takes a ready session as "session"
                        with flag_override(ocr.cfg, "allow_objects", True):
                            ocr.cfg[section].session = _session(ocr.cfg.Global.model_root_dir / name, self._threads)
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
        from PIL import Image

        img = decode(image)
        size = working_size(img.width, img.height)
        scale = img.width / size[0]
        if size != img.size:
            img = img.resize(size, Image.Resampling.LANCZOS)
        pixels = np.ascontiguousarray(np.asarray(img)[:, :, ::-1])  # RGB → BGR, as OpenCV models expect
        del img
        h, w = pixels.shape[:2]
        pixels = pad(pixels)
        engine = self._engine()
        with self._run_lock:
            found = _recognise(engine, pixels, _detect(engine, pixels))
        out = []
        for text, quad in found:
            xs, ys = quad[:, 0].clip(0, w) * scale, quad[:, 1].clip(0, h) * scale
            out.append(Box(text, float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())))
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
