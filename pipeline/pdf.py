"""PDF -> text: each page's text layer in reading order, OCR where a page has none or a broken one.

PDFium (``pypdfium2``) gives every character with its box. Characters are put
together into runs (same line, no wide gap) and ``layout.lines`` orders the
runs into lines, columns left to right (e-paper pages set in columns list their
lines row by row across the columns). Pages are joined with a line break.

Per page, the text layer must be *language*: ``text_problem`` measures the share
of characters that cannot be in a Chinese report (private-use and replacement
characters, control characters, Latin-1 letters and odd ASCII symbols that
mis-mapped glyphs turn into, Han characters outside the common GB2312/Big5
sets that a wrong CID mapping produces) and of glyphs PDFium could not map to
Unicode (a font without a ToUnicode map). A page without text but with pictures
or drawings is a scan. Such pages are OCR'd (``ocr.py``) when the ``ocr`` extra
is installed and ``--ocr`` is not ``never``; otherwise the file fails with one
line saying why and what to install. ``--ocr always`` OCRs every page.

Limits keep time and memory bounded: ``read.max_pages`` pages per PDF,
``read.ocr_max_pages`` pages OCR'd per PDF, ``read.max_image_pixels`` pixels per
rendered page and per embedded picture.
"""

from __future__ import annotations

import functools
import math
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from . import ocr
from .errors import InputError
from .layout import SPACE_EM, Box, Line, lines

_LOCK = threading.RLock()  # PDFium is not thread-safe: one call at a time per process
MIN_TEXT = 10  # a page with fewer visible characters than this may be a scan with a stamped page number
PICTURE_SHARE = 0.3  # ... when pictures cover at least this share of it
BAD_SHARE = 0.3  # a page whose text is at least this share implausible characters is broken
MIN_DPI = 50  # rendering below this resolution makes OCR useless: refuse the page instead
OCR_MODES = ("auto", "always", "never")  # read.OCR_MODES checks the config with the same tuple


@dataclass
class PdfText:
    """What a PDF reads as: the text, the stretches OCR produced, and page counts."""

    raw: str
    ocr: list[tuple[int, int, float]] = field(default_factory=list)  # (start, end, confidence) in raw
    meta: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------- plausible characters
_ODD_ASCII = frozenset("#$&*+<=>@[\\]^_`{|}~")
_PINYIN_LATIN1 = frozenset("àáèéìíòóùúüÀÁÈÉÌÍÒÓÙÚÜ·×÷°±§")


def _is_han(c: str) -> bool:
    return unicodedata.name(c, "").startswith("CJK UNIFIED IDEOGRAPH")


def _encodes(c: str, codec: str) -> bytes | None:
    try:
        return c.encode(codec)
    except UnicodeEncodeError:
        return None


@functools.lru_cache(maxsize=65536)
def plausible(c: str) -> bool:
    """Whether ``c`` can stand in the text of a Chinese report (tables from the codecs, not a list).

    Han characters must be in GB2312 or in Big5's frequent set (the characters a
    report uses); other characters in GBK or Big5 (punctuation, full-width
    forms, Greek, circled numbers, pinyin), or printable ASCII. Private-use,
    control and replacement characters never are.
    """
    cp = ord(c)
    if c.isspace():
        return True
    if cp < 0x80:
        return c.isprintable() and c not in _ODD_ASCII
    if 0x80 <= cp < 0x100:
        return c in _PINYIN_LATIN1
    category = unicodedata.category(c)
    if category in ("Co", "Cs", "Cc", "Cn") or c in "\ufffd\ufffe\uffff":
        return False
    if 0x2F00 <= cp < 0x2FE0 or 0xF900 <= cp < 0xFB00:  # radicals, compatibility ideographs: normalized later
        return True
    if _is_han(c):
        if _encodes(c, "gb2312") is not None:
            return True
        big5 = _encodes(c, "cp950")
        return big5 is not None and 0xA440 <= int.from_bytes(big5, "big") <= 0xC67E
    return _encodes(c, "gbk") is not None or _encodes(c, "cp950") is not None


def text_problem(text: str, unmapped: int = 0) -> str | None:
    """Why a page's extracted text is not language, or None when it reads as text.

    ``unmapped`` counts glyphs the PDF gives no Unicode mapping for (PDFium guesses those).
    """
    visible = [c for c in text if not c.isspace()]
    if len(visible) < MIN_TEXT:
        return None
    bad = sum(not plausible(c) for c in visible)
    share = bad / len(visible)
    if share < BAD_SHARE:
        return None
    why = f"{share:.0%} of its characters cannot be Chinese report text"
    if unmapped >= BAD_SHARE * len(visible):
        why += f", {unmapped / len(visible):.0%} of its glyphs have no Unicode mapping (a font without ToUnicode)"
    return why


# ---------------------------------------------------------------------------- text layer
def _display_box(rect: tuple[float, float, float, float], width: float, height: float,
                 rotation: int) -> tuple[float, float, float, float]:
    """A PDF box (left, bottom, right, top; y up) as the page is shown (y down, /Rotate applied)."""
    left, bottom, right, top = rect
    if rotation == 90:
        return bottom, left, top, right
    if rotation == 180:
        return width - right, bottom, width - left, top
    if rotation == 270:
        return height - top, width - right, height - bottom, width - left
    return left, height - top, right, height - bottom


@dataclass
class _Layer:
    boxes: list[Box]
    text: str  # every character, in PDFium's order (for the quality check)
    unmapped: int


def _text_layer(page: Any) -> _Layer:
    """Characters of a page grouped into runs (same line, no gap wider than a space)."""
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    try:
        width, height = page.get_size()
        rotation = page.get_rotation()
        boxes: list[Box] = []
        chars: list[str] = []
        unmapped = 0
        run: list[str] = []
        run_box: list[float] = []
        space = False

        def flush() -> None:
            if run:
                boxes.append(Box(*run_box, "".join(run).strip()))
            run.clear()

        rect = raw.FS_RECTF()
        for i in range(textpage.count_chars()):
            cp = raw.FPDFText_GetUnicode(textpage, i)
            c = chr(cp) if 0 <= cp < 0x110000 else "\ufffd"
            generated = raw.FPDFText_IsGenerated(textpage, i) == 1
            if c in "\r\n" and generated:
                continue
            chars.append(c)
            if raw.FPDFText_HasUnicodeMapError(textpage, i) == 1:
                unmapped += 1
            if c.isspace():
                space = True
                continue
            if not raw.FPDFText_GetLooseCharBox(textpage, i, rect):
                continue
            x0, y0, x1, y1 = _display_box((rect.left, rect.bottom, rect.right, rect.top), width, height, rotation)
            h = max(y1 - y0, 0.1)
            if run and abs(y0 - run_box[1]) < 0.3 * h and -0.5 * h <= x0 - run_box[2] <= SPACE_EM * h:
                run.append(" " + c if space else c)
                run_box[2] = max(run_box[2], x1)
                run_box[3] = max(run_box[3], y1)
            else:
                flush()
                run.append(c)
                run_box[:] = [x0, y0, x1, y1]
            space = False
        flush()
        return _Layer([b for b in boxes if b.text], "".join(chars), unmapped)
    finally:
        textpage.close()


def _picture_share(page: Any, width: float, height: float) -> tuple[float, bool]:
    """Share of the page covered by pictures, and whether anything at all is drawn on it."""
    import pypdfium2.raw as raw

    covered, drawn = 0.0, False
    for obj in page.get_objects(max_depth=4):
        drawn = True
        if obj.type == raw.FPDF_PAGEOBJ_IMAGE:
            left, bottom, right, top = obj.get_bounds()
            covered += max(0.0, right - left) * max(0.0, top - bottom)
    return min(1.0, covered / max(width * height, 1.0)), drawn


def _largest_picture(page: Any) -> tuple[int, int]:
    import pypdfium2.raw as raw

    best = (0, 0)
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        try:
            w, h = obj.get_px_size()
        except Exception:  # an image PDFium cannot describe: rendering will say more
            continue
        if w * h > best[0] * best[1]:
            best = (w, h)
    return best


# ---------------------------------------------------------------------------- OCR of a page
def _render(page: Any, number: int, source: str, settings: dict[str, Any]) -> Any:
    """The page as a BGR array at ``read.ocr_dpi``, lowered to stay under ``read.max_image_pixels``."""
    max_pixels = int(settings["max_image_pixels"])
    w, h = _largest_picture(page)
    if w * h > max_pixels:
        raise InputError(source, f"page {number}: embedded picture of {w}×{h} pixels is more than "
                                 f"read.max_image_pixels = {max_pixels / 1e6:.0f} Mpx")
    width, height = page.get_size()
    scale = float(settings["ocr_dpi"]) / 72
    if width * height * scale * scale > max_pixels:
        scale = 0.99 * math.sqrt(max_pixels / (width * height))  # 0.99: PDFium rounds the size up
    if scale * 72 < MIN_DPI:
        raise InputError(source, f"page {number}: page of {width / 72:.0f}×{height / 72:.0f} inches is too large "
                                 f"to OCR within read.max_image_pixels = {max_pixels / 1e6:.0f} Mpx")
    bitmap = page.render(scale=scale)
    try:
        array = bitmap.to_numpy()
        return array[:, :, :3].copy() if array.ndim == 3 else array.copy()
    finally:
        bitmap.close()


# ---------------------------------------------------------------------------- the document
def _open(data: bytes, source: str) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise InputError(source, "encrypted PDF (needs a password); decrypt it first, "
                                     "e.g. qpdf --decrypt --password=… in.pdf out.pdf") from None
        if "security" in message.lower():
            raise InputError(source, f"encrypted PDF with an unsupported security handler ({message})") from None
        if _page_count(data) == 0:  # PDFium refuses a document without pages, saying "Success"
            raise InputError(source, "PDF has no pages") from None
        raise InputError(source, f"not a readable PDF (truncated or corrupt?): {message}") from None


def _page_count(data: bytes) -> int | None:
    """Pages pypdf finds, for a better message when PDFium cannot open a file; None if it cannot either."""
    import io
    import logging

    from pypdf import PdfReader

    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # a damaged file makes pypdf log a warning per object
    try:
        return len(PdfReader(io.BytesIO(data)).pages)
    except Exception:  # pypdf raises assorted errors on damaged files
        return None
    finally:
        logger.setLevel(level)


@dataclass
class _Page:
    number: int
    lines: list[Line] = field(default_factory=list)
    need_ocr: str | None = None  # why the page must be OCR'd
    ocr: bool = False


def _classify(page: Any, number: int, source: str, mode: str) -> _Page:
    """Read the text layer of one page, or say why it needs OCR."""
    out = _Page(number)
    width, height = page.get_size()
    if mode == "always":
        out.need_ocr = "--ocr always" if _picture_share(page, width, height)[1] else None
        return out
    layer = _text_layer(page)
    visible = sum(not c.isspace() for c in layer.text)
    # pictures matter only on a page with little text (a scan with a stamped page number)
    share, drawn = (0.0, True) if visible >= MIN_TEXT else _picture_share(page, width, height)
    if visible >= MIN_TEXT or (visible and share < PICTURE_SHARE):
        problem = text_problem(layer.text, layer.unmapped)
        if problem:
            if mode == "never":
                raise InputError(source, f"page {number}: the text layer is not readable text ({problem}); "
                                         "OCR is off (--ocr never)")
            out.need_ocr = f"broken text layer: {problem}"
        else:
            out.lines = lines(layer.boxes)
    elif drawn:
        out.need_ocr = "no text layer (scanned?)"
    return out


def _describe(pages: list[_Page]) -> str:
    numbers = [p.number for p in pages]
    shown = ", ".join(map(str, numbers[:8])) + (" …" if len(numbers) > 8 else "")
    return f"page {shown}" if len(numbers) == 1 else f"pages {shown}"


def read_pdf(data: bytes, source: str, settings: dict[str, Any]) -> PdfText:
    """Text of a PDF (see the module doc); every problem is one ``InputError`` naming the page."""
    with _LOCK:
        doc = _open(data, source)
        try:
            return _read(doc, source, settings)
        finally:
            doc.close()


def _read(doc: Any, source: str, settings: dict[str, Any]) -> PdfText:
    import pypdfium2 as pdfium

    mode = str(settings["ocr"])
    count = len(doc)
    if count == 0:
        raise InputError(source, "PDF has no pages")
    if count > int(settings["max_pages"]):
        raise InputError(source, f"PDF has {count} pages, more than read.max_pages = {settings['max_pages']}; "
                                 "split it (e.g. qpdf --split-pages) or raise the limit")
    pages: list[_Page] = []
    for i in range(count):
        try:
            page = doc[i]
        except pdfium.PdfiumError as exc:
            raise InputError(source, f"page {i + 1} cannot be read (corrupt?): {exc}") from None
        try:
            pages.append(_classify(page, i + 1, source, mode))
        finally:
            page.close()
    todo = [p for p in pages if p.need_ocr]
    if todo:
        _ocr_pages(doc, todo, source, settings, mode)
    return _assemble(pages, source, mode)


def _ocr_pages(doc: Any, todo: list[_Page], source: str, settings: dict[str, Any], mode: str) -> None:
    broken = [p for p in todo if p.need_ocr.startswith("broken")]
    if mode == "never":  # pages without text are left out; broken ones failed already
        return
    if not ocr.available():
        if broken:
            raise InputError(source, f"{_describe(broken)}: {broken[0].need_ocr}; to OCR instead, {ocr.INSTALL}")
        raise InputError(source, f"scanned PDF ({_describe(todo)} without a text layer): {ocr.INSTALL} "
                                 "(or --ocr never to read only the pages with text)")
    limit = int(settings["ocr_max_pages"])
    if len(todo) > limit:
        raise InputError(source, f"{len(todo)} pages need OCR, more than read.ocr_max_pages = {limit}")
    threads = int(settings["ocr_threads"])
    for p in todo:
        page = doc[p.number - 1]
        try:
            image = _render(page, p.number, source, settings)
        finally:
            page.close()
        p.lines = ocr.ocr_lines(image, threads)
        p.ocr = True


def _assemble(pages: list[_Page], source: str, mode: str) -> PdfText:
    parts: list[str] = []
    spans: list[tuple[int, int, float]] = []
    pos = 0
    for page in pages:
        for line in page.lines:
            if page.ocr:
                spans.append((pos, pos + len(line.text), line.score))
            parts.append(line.text)
            pos += len(line.text) + 1
    if not any(line.strip() for line in parts):
        if any(p.ocr for p in pages):
            raise InputError(source, "OCR found no text on any page")
        if mode == "never" and any(p.need_ocr for p in pages):
            raise InputError(source, "PDF has no text layer (scanned image?) and OCR is off (--ocr never)")
        raise InputError(source, "PDF has no text layer and nothing drawn on its pages (blank)")
    return PdfText("\n".join(parts), spans, {"pages": len(pages)})
