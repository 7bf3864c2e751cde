"""OCR (optional extra ``policytag[ocr]``): page images -> text lines in reading order.

The engine is RapidOCR on onnxruntime: its wheel carries the PP-OCR Chinese
detection, direction and recognition models, so nothing is downloaded at run
time. Pages come from two places: PDF pages rendered by PDFium (``pdf.py``) and
image files (.png .jpg .jpeg .tif .tiff .bmp, read by Pillow, a TIFF frame per
page). Each detected line becomes a ``layout.Box`` with its confidence; the
boxes are put in reading order (columns) by ``layout.lines`` and go, one line
each, into the document text, where ``segment`` joins wrapped lines into
paragraphs as it does for PDF text.

The OCR text *is* the document's original text (``Document.raw``): offsets
index it, and ``Document.ocr`` says which stretches came from OCR and how sure
the engine was (``Paragraph.meta["source"] == "ocr"``, ``"ocr_confidence"``).
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import io
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .errors import ConfigError, InputError
from .layout import Box, Line, lines
from .record import Paragraph

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
INSTALL = "install policytag[ocr]: pip install 'policytag[ocr]'"
_LOCK = threading.Lock()  # one engine per process; onnxruntime sessions are shared


def available() -> bool:
    """Whether the OCR extra is installed (checked without importing it)."""
    return all(importlib.util.find_spec(name) is not None for name in ("rapidocr", "onnxruntime"))


@functools.lru_cache(maxsize=2)
def engine(threads: int = 0) -> Any:
    """The RapidOCR engine, built once per process (loading the models takes ~0.1 s).

    ``threads`` = onnxruntime threads per model; 0 leaves onnxruntime's default (all cores).
    """
    try:
        from rapidocr import RapidOCR
    except ImportError:
        raise ConfigError(f"OCR is not installed: {INSTALL}") from None
    # The line-direction classifier is off: on our test pages it turned correct lines upside down and
    # each came back as one wrong character, losing the line. Upside-down pages are handled per page
    # in ``ocr_lines`` instead.
    params: dict[str, Any] = {"Global.log_level": "error", "Global.max_side_len": 4096, "Global.use_cls": False}
    if threads > 0:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    return RapidOCR(params=params)


def ocr_boxes(image: np.ndarray, threads: int = 0) -> list[Box]:
    """One ``Box`` per line the engine detects in an image (BGR or grey pixels; y grows downwards)."""
    ocr = engine(threads)
    with _LOCK:
        result = ocr(image)
    if result is None or getattr(result, "boxes", None) is None or result.txts is None:
        return []
    out = []
    for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
        if not text or not text.strip():
            continue
        xs, ys = [float(p[0]) for p in quad], [float(p[1]) for p in quad]
        out.append(Box(min(xs), min(ys), max(xs), max(ys), text.strip(), float(score)))
    return out


TURN_BELOW = 0.9  # a page read with less mean confidence than this is also read turned by 180°


def _confidence(boxes: list[Box]) -> float:
    chars = sum(len(b.text) for b in boxes)
    return sum(b.score * len(b.text) for b in boxes) / chars if chars else 0.0


def _weight(boxes: list[Box]) -> float:
    """Confident characters: a page read upside down gives few characters, and unsure ones."""
    return sum(b.score * len(b.text) for b in boxes)


def ocr_lines(image: np.ndarray, threads: int = 0) -> list[Line]:
    """The text lines of a page image, in reading order (a page scanned upside down is turned).

    Clean pages read at ≥ 0.97 mean confidence; upside down, ours read at ≈ 0.8 as a few
    wrong characters. Below ``TURN_BELOW`` the page is read turned as well and the reading
    with more confident characters wins.
    """
    boxes = ocr_boxes(image, threads)
    if _confidence(boxes) < TURN_BELOW:
        turned = ocr_boxes(np.ascontiguousarray(image[::-1, ::-1]), threads)
        if _weight(turned) > _weight(boxes):
            boxes = turned
    return lines(boxes)


# ---------------------------------------------------------------------------- image files
def _frames(im: Any) -> Iterator[Any]:
    """Every page of an image file (TIFFs hold several)."""
    for i in range(getattr(im, "n_frames", 1)):
        im.seek(i)
        yield im


def image_pages(data: bytes, source: str, max_pixels: int, max_pages: int) -> Iterator[np.ndarray]:
    """Decode an image file page by page (BGR arrays), refusing pages over ``max_pixels`` before decoding."""
    from PIL import Image

    # Pillow's own bomb check would refuse (or warn about) sizes at its limit, not ours: ours is
    # checked below, per page, before decoding; Pillow's is put back when the file is done.
    pillow_limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        yield from _decode_pages(data, source, max_pixels, max_pages)
    finally:
        Image.MAX_IMAGE_PIXELS = pillow_limit


def _decode_pages(data: bytes, source: str, max_pixels: int, max_pages: int) -> Iterator[np.ndarray]:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        im = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InputError(source, f"not a readable image (truncated or corrupt?): {exc}") from None
    pages = getattr(im, "n_frames", 1)
    if pages > max_pages:
        raise InputError(source, f"image file has {pages} pages, more than read.ocr_max_pages = {max_pages}")
    for number, frame in enumerate(_frames(im), start=1):
        where = f"page {number}: " if pages > 1 else ""
        w, h = frame.size
        if w * h > max_pixels:
            raise InputError(source, f"{where}image is {w}×{h} pixels ({w * h / 1e6:.0f} Mpx), more than "
                                     f"read.max_image_pixels = {max_pixels / 1e6:.0f} Mpx")
        try:
            page = ImageOps.exif_transpose(frame.convert("RGB"))
        except (OSError, ValueError, SyntaxError) as exc:  # truncated data shows up only when decoding
            raise InputError(source, f"{where}image cannot be decoded (truncated or corrupt?): {exc}") from None
        yield np.ascontiguousarray(np.asarray(page)[:, :, ::-1])  # RGB -> BGR, as OpenCV-based engines expect


def check_ready(source: str, mode: str, what: str) -> None:
    """Raise the one-line error that says why ``what`` cannot be OCR'd here, if it cannot."""
    if mode == "never":
        raise InputError(source, f"{what} needs OCR, but OCR is off (--ocr never)")
    if not available():
        raise InputError(source, f"{what}: {INSTALL}")


# ---------------------------------------------------------------------------- records
def mark_paragraphs(paragraphs: Sequence[Paragraph], spans: Sequence[tuple[int, int, float]]) -> None:
    """Give paragraphs made of OCR text ``meta["source"] = "ocr"`` and their mean confidence.

    ``spans`` are the document's OCR stretches ``(start, end, confidence)`` in raw offsets,
    in order; a paragraph's confidence is the mean over its characters that came from OCR.
    """
    if not spans:
        return
    starts = [s for s, _, _ in spans]
    for p in paragraphs:
        start, end = p.body.span()
        i = max(0, bisect.bisect_right(starts, start) - 1)
        total = weight = 0.0
        while i < len(spans) and spans[i][0] < end:
            overlap = min(end, spans[i][1]) - max(start, spans[i][0])
            if overlap > 0:
                total += spans[i][2] * overlap
                weight += overlap
            i += 1
        if weight:
            p.meta = {**p.meta, "source": "ocr", "ocr_confidence": round(total / weight, 3)}
