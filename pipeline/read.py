"""Stage 1, read: bytes on disk -> ``Document`` (decoded original + normalized text).

``Document.raw`` is the decoded text: the file itself for .txt/.md, the extracted
text for .docx/.doc/.wps/.rtf/.pdf/.html, the OCR text for scanned pages and
images. Every offset the program reports indexes ``raw``.
``Document.norm`` is ``normalize(raw)`` (see ``pipeline/normalize.py``).

Formats (``FORMATS`` below; the content is sniffed where names lie): readers for
PDF (``pdf.py``), Word 97/WPS/RTF (``office.py``) and OCR (``ocr.py``) live in
their own modules; this one dispatches.

Every problem with one input becomes an ``InputError`` naming the file, never a traceback.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import itertools
import json
import os
import re
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, InputError, PolicytagNote, printable
from .normalize import normalize
from .record import Document, Paragraph

# extension -> format; the route of each format is in the README's input table (docs/sections/read.md)
FORMATS = {".txt": "txt", ".md": "md", ".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html",
           ".doc": "doc", ".wps": "wps", ".rtf": "rtf", ".png": "image", ".jpg": "image", ".jpeg": "image",
           ".tif": "image", ".tiff": "image", ".bmp": "image"}
SUPPORTED = set(FORMATS)
PRECUT_FORMATS = ("jsonl", "csv")
# [read] settings the readers need, for callers that pass no config (the shipped config has them too)
READ_DEFAULTS: dict[str, Any] = {"ocr": "auto", "max_pages": 1000, "ocr_max_pages": 200,
                                 "max_image_pixels": 100_000_000, "ocr_dpi": 200, "ocr_threads": 1,
                                 "office_timeout": 120, "max_document_mb": 200}

# Byte-order marks, longest first (UTF-32 LE starts with the UTF-16 LE mark).
_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
# charset-normalizer names -> the codec to decode with: GB18030 is a superset of GBK and
# GB2312, and cp950/Big5-HKSCS of Big5, so a file with a few rarer characters still decodes.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030",
              "big5": "cp950", "cp950": "cp950"}
_DETECT_BYTES = 1 << 20  # charset-normalizer looks at this much; the whole file is then decoded strictly
OCR_MODES = ("auto", "always", "never")  # pdf.OCR_MODES; not imported from there: pdf.py pulls in the OCR stack
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")


def _settings(config: dict[str, Any] | None) -> dict[str, Any]:
    settings = {**READ_DEFAULTS, **(config or {}).get("read", {})}
    if settings["ocr"] not in OCR_MODES:
        raise ConfigError(f"read.ocr: expected one of {', '.join(OCR_MODES)}, got {settings['ocr']!r}")
    return settings


def make_doc_id(name: str, data: bytes) -> str:
    """Stable id: file name plus a hash of the content."""
    return f"{_base_name(name)}#{hashlib.sha1(data).hexdigest()[:12]}"


def _base_name(name: str) -> str:
    """``Path(name).name`` without building a Path (two per file were 5 % of reading a short report)."""
    base = name.rpartition("/")[2]
    if os.sep != "/" or os.altsep or base in ("", "."):  # Windows paths, "a/b/", "a/.": pathlib decides
        return Path(name).name
    return base


def _suffix(base: str) -> str:
    """``Path.suffix`` of a file name."""
    dot = base.rfind(".")
    return base[dot:] if 0 < dot < len(base) - 1 else ""


# ---------------------------------------------------------------------------- decoding text
_BOM_FIRST = {bom[0] for bom, _ in _BOMS}


def _bom_codec(data: bytes) -> str | None:
    if not data or data[0] not in _BOM_FIRST:  # most files: one byte tells there is no mark
        return None
    return next((codec for bom, codec in _BOMS if data.startswith(bom)), None)


def _superset(name: str) -> str:
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return name
    return _SUPERSETS.get(name.replace("-", "").replace("_", ""), name)


_CHINESE_CODECS = ["gb18030", "big5", "cp950", "utf_16", "utf_32"]


def _detect(data: bytes) -> list[str]:
    """Codecs charset-normalizer proposes for the first MB, best first, widened to their supersets."""
    from charset_normalizer import from_bytes

    def detect(sample: bytes) -> list[Any]:
        # Reports are Chinese: ask about the Chinese codecs first, or a short Big5 file
        # is taken for Shift-JIS; then let the detector consider everything.
        return list(from_bytes(sample, cp_isolation=_CHINESE_CODECS)) + list(from_bytes(sample))

    if len(data) <= _DETECT_BYTES:
        matches = detect(data)
    else:
        # a sample cut inside a multi-byte character makes every codec fail: trim up to 3 bytes
        matches = next((m for k in range(4) if (m := detect(data[: _DETECT_BYTES - k]))), [])
    out = []
    for match in matches:
        codec = _superset(match.encoding)
        if codec not in out:
            out.append(codec)
    return out


def _looks_binary(text: str) -> bool:
    """More than 1% control characters (or U+FFFD) in the first 64K characters after decoding."""
    sample = text[:65536]
    return bool(sample) and len(_CONTROL.findall(sample)) > max(2, len(sample) // 100)


# compiled on first use (by re's cache), as _WIDE: a wide class costs 1.5 ms to compile, most runs never need it
_TEXTLIKE = r"[\t\n\r\x20-\x7e\u2000-\u206f\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"


def _plausible(text: str) -> bool:
    """A guessed codec (UTF-16 without BOM, last-resort GB18030) must give Chinese/ASCII text."""
    sample = text[:65536]
    return len(re.findall(_TEXTLIKE, sample)) >= 0.9 * len(sample)


def _candidates(data: bytes, default_encoding: str) -> Iterator[tuple[str, bool]]:
    """(codec, guessed) to try in order; detection runs only when the cheap tries fail.

    ``guessed`` codecs decode almost anything, so their text must also look like text.
    """
    bom = _bom_codec(data)
    if bom:
        yield bom, False
    yield default_encoding, False
    yield "utf-8", False
    if b"\x00" in data[:4096]:
        if len(data) % 2 == 0:  # UTF-16 without a BOM: ASCII characters show up as NUL bytes
            yield "utf-16-le", True
            yield "utf-16-be", True
        return  # NUL bytes in any other encoding mean binary data
    for codec in _detect(data):
        yield codec, codec.startswith(("utf-16", "utf-32"))
    yield "gb18030", True  # last resort for Chinese text the detector had no answer for


def decode_text(data: bytes, source: str, default_encoding: str = "utf-8") -> tuple[str, str]:
    """Decode a text file: BOM, then ``default_encoding``, UTF-8, then detection. Returns (text, codec)."""
    if not data:
        raise InputError(source, "empty file")
    try:
        codecs.lookup(default_encoding)
    except LookupError:
        raise ConfigError(f"read.default_encoding: unknown encoding {default_encoding!r}") from None
    tried: set[str] = set()
    for codec, guessed in _candidates(data, default_encoding):
        if codec in tried:
            continue
        tried.add(codec)
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        if not _looks_binary(text) and (not guessed or _plausible(text)):
            return text, codec
    raise InputError(source, "looks like binary data, not text (or an encoding that could not be detected)")


# ---------------------------------------------------------------------------- formats
def _read_docx(data: bytes, source: str) -> str:
    """Paragraphs and tables in document order; one line per paragraph, table cells joined by a tab."""
    import zipfile

    from docx import Document as load_docx
    from docx.table import Table

    from .safezip import zip_problem

    problem = zip_problem(data)  # before python-docx inflates every part into memory
    if problem:
        raise InputError(source, problem)
    try:
        doc = load_docx(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(source, f"not a readable .docx (truncated or corrupt?): {exc}") from None
    except Exception as exc:  # python-docx/lxml raise many types for broken packages
        raise InputError(source, f"not a readable .docx (truncated or corrupt?): {type(exc).__name__}: {exc}") from None

    lines: list[str] = []
    try:
        _unwrap_content_controls(doc.element.body)
        for block in doc.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_table_rows(block))
            else:
                lines.append(block.text)
    except Exception as exc:
        raise InputError(source, f"cannot extract text from .docx: {type(exc).__name__}: {exc}") from None
    return "\n".join(lines)


def _unwrap_content_controls(body: Any) -> None:
    """Replace each block-level content control (``w:sdt``) by its content.

    python-docx's ``iter_inner_content`` yields the body's paragraphs and tables in
    order but does not look inside content controls, where templates put cover-page
    titles and whole sections.
    """
    from docx.oxml.ns import qn

    while (sdt := body.find(qn("w:sdt"))) is not None:  # one at a time: a control may hold another
        content = sdt.find(qn("w:sdtContent"))
        for child in list(content) if content is not None else []:
            sdt.addprevious(child)
        body.remove(sdt)


def _cell_text(cell: Any) -> str:
    """A cell's paragraphs, and the cells of tables nested in it, joined by spaces (one row stays one line)."""
    from docx.table import Table

    parts = []
    for block in cell.iter_inner_content():
        if isinstance(block, Table):
            parts.append(" ".join(_table_rows(block)).replace("\t", " "))
        else:
            parts.append(block.text)
    return " ".join(" ".join(p.split("\n")) for p in parts if p)


def _table_rows(table: Any) -> list[str]:
    """One line per row, cells joined by a tab.

    The row's own ``w:tc`` cells, not ``row.cells``: that one repeats a merged cell in
    every grid column and row it spans, which would count its text several times.
    """
    from docx.table import _Cell

    return ["\t".join(_cell_text(_Cell(tc, table)) for tc in row._tr.tc_lst) for row in table.rows]


@contextlib.contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """Silence a library's logger: damaged files make pypdf log one warning per object."""
    import logging

    loggers = [logging.getLogger(name) for name in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR + 10)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # office.OLE2 (office.py is imported only when needed)
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM")


def _read_image(data: bytes, source: str, settings: dict[str, Any]) -> tuple[str, list[tuple[int, int, float]], int]:
    """OCR text of an image file (every page of a TIFF), its OCR spans and its number of pages."""
    from . import ocr

    ocr.check_ready(source, settings["ocr"], "image file")
    parts: list[str] = []
    spans: list[tuple[int, int, float]] = []
    pos = pages = 0
    for image in ocr.image_pages(data, source, int(settings["max_image_pixels"]), int(settings["ocr_max_pages"])):
        pages += 1
        for line in ocr.ocr_lines(image, int(settings["ocr_threads"])):
            spans.append((pos, pos + len(line.text), line.score))
            parts.append(line.text)
            pos += len(line.text) + 1
    if not parts:
        raise InputError(source, "OCR found no text in the image")
    return "\n".join(parts), spans, pages


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Not <form>: ASP.NET pages wrap the whole body in one.
_BOILERPLATE = ("nav", "header", "footer", "aside", "script", "style", "noscript", "template")


def decode_html(data: bytes, source: str) -> str:
    """BOM, then the page's own ``<meta charset>``, then the text-file rules."""
    bom = _bom_codec(data)
    if bom:
        return data.decode(bom, "replace")
    found = _META_CHARSET.search(data[:8192])
    if found:
        codec = _superset(found.group(1).decode("ascii"))
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass  # pages often lie about their charset; fall back to detection
    return decode_text(data, source)[0]


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class _DeepHtml(Exception):
    """lxml stopped building the tree at its nesting limit: the text after that point would be lost."""


def _has_body_text(html: str) -> bool:
    """Any text left in <body> once menus, headers, footers and scripts are dropped."""
    import lxml.html

    parser = lxml.html.HTMLParser()
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except Exception:
        return False
    # "Excessive depth in document: 256, use XML_PARSE_HUGE option" (and libxml2's other size limits)
    if any("depth" in e.message or "XML_PARSE_HUGE" in e.message for e in parser.error_log):
        raise _DeepHtml
    body = root.find("body")
    if body is None:
        return False
    for el in list(body.iter(*_BOILERPLATE)):
        if el.getparent() is not None:
            el.drop_tree()
    return bool(body.text_content().strip())


# Pages larger than this skip trafilatura, which holds several copies of the page's tree (4.5 GB and
# 65 CPU s for a 106 MB page); real report pages are 50 KB to 1 MB.
_HTML_STREAM_BYTES = 5_000_000
_HTML_BLOCKS = frozenset(["p", "div", "br", "li", "ul", "ol", "dl", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6",
                          "tr", "table", "thead", "tbody", "tfoot", "caption", "section", "article", "main",
                          "blockquote", "pre", "hr", "center", "address", "figure", "figcaption", "form", "fieldset",
                          "body"])
_HTML_SKIP = frozenset(_BOILERPLATE + ("head", "title", "select", "button", "iframe", "svg", "math"))
_WIDE = "[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"


def _join_source_lines(text: str) -> str:
    """A line break in the page's source is not one on the page: nothing between two Chinese
    characters, a space elsewhere (split and join, so a long run of spaces costs one pass)."""
    if "\n" not in text:
        return text
    parts = [part.strip() for part in text.split("\n")]
    out: list[str] = []
    for part in parts:
        if not part:
            continue
        if out and not (re.match(_WIDE, out[-1][-1]) and re.match(_WIDE, part[0])):
            out.append(" ")
        out.append(part)
    return "".join(out)


class _HtmlLines:
    """lxml parser target: the text of the page as lines, one per block element, built from
    parser events without a tree, so memory is the text's own and nesting depth does not matter."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._line: list[str] = []
        self._skip = 0  # depth inside <script>, <nav> ...

    def start(self, tag: Any, attrib: Any) -> None:
        name = tag.lower() if isinstance(tag, str) else ""
        if self._skip or name in _HTML_SKIP:
            self._skip += 1
        elif name in _HTML_BLOCKS:
            self._flush()

    def end(self, tag: Any) -> None:
        name = tag.lower() if isinstance(tag, str) else ""
        if self._skip:
            self._skip -= 1
        elif name in ("td", "th"):
            self._line.append("\t")
        elif name in _HTML_BLOCKS:
            self._flush()

    def data(self, text: str) -> None:
        if not self._skip:
            self._line.append(text)

    def comment(self, text: str) -> None:
        pass

    def close(self) -> list[str]:
        self._flush()
        return self.lines

    def _flush(self) -> None:
        line = "".join(self._line).strip()
        self._line = []
        if line:
            self.lines.append(_join_source_lines(line))


def _html_text_streamed(html: str, source: str) -> str:
    """Every text of the page outside menus, headers, footers and scripts, one line per block."""
    from lxml import etree

    parser = etree.HTMLParser(target=_HtmlLines(), remove_comments=True, huge_tree=True)
    step = 1 << 20
    try:
        for i in range(0, len(html), step):
            parser.feed(html[i:i + step])
        lines = parser.close()
    except Exception as exc:  # lxml raises XMLSyntaxError and others for broken markup
        raise InputError(source, f"cannot extract text from HTML: {type(exc).__name__}: {exc}") from None
    return "\n".join(lines)


def _read_html(data: bytes, source: str) -> str:
    """Main text of the page (trafilatura), one line per paragraph; menus and footers dropped.

    A page over ``_HTML_STREAM_BYTES``, or nested deeper than lxml builds trees (256 levels:
    unclosed tags), is read from parser events instead (``_html_text_streamed``): every text
    outside menus, headers, footers and scripts, in bounded memory and with nothing cut off.
    """
    import trafilatura
    from trafilatura.settings import use_config

    # Control characters are never text, and lxml refuses strings that hold them.
    html = _XML_ILLEGAL.sub("", decode_html(data, source))
    if not html.strip():
        raise InputError(source, "empty file")
    if len(data) > _HTML_STREAM_BYTES:
        size, limit = len(data) / 1e6, _HTML_STREAM_BYTES / 1e6
        return _streamed_or_empty(html, source, f"a page of {size:,.1f} MB (over {limit:g} MB)")
    try:
        if not _has_body_text(html):
            raise InputError(source, "HTML page has no body text (only menus, scripts or nothing)")
    except _DeepHtml:
        return _streamed_or_empty(html, source, "a page nested deeper than 255 levels (unclosed tags?)")
    cfg = use_config()
    cfg.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # its timeout uses signals, which fail in worker threads
    cfg.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")  # short reports are still reports
    cfg.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    try:
        with _quiet("trafilatura", "htmldate", "courlan"):
            text = trafilatura.extract(html, config=cfg, include_tables=True, include_comments=False)
            if not text:
                text = trafilatura.html2txt(html)
    except Exception as exc:
        raise InputError(source, f"cannot extract text from HTML: {type(exc).__name__}: {exc}") from None
    if not text or not text.strip():
        raise InputError(source, "HTML page has no body text")
    return text


def _streamed_or_empty(html: str, source: str, why: str) -> str:
    text = _html_text_streamed(html, source)
    if not text.strip():
        raise InputError(source, "HTML page has no body text (only menus, scripts or nothing)")
    warnings.warn(PolicytagNote(printable(
        f"{source}: {why}: all its text outside nav/header/footer/aside/script is read, without trafilatura's "
        "main-text extraction (a link bar in a plain <div> is kept)")), stacklevel=2)
    return text


def _sniff(data: bytes) -> str | None:
    """Format from the first bytes, for names that do not say (or lie)."""

    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return "docx"
    from .office import sniff  # imported here: it pulls in subprocess, which reading text never needs

    office = sniff(data)
    if office:
        return "doc" if office == "ole2" else "rtf"
    if data.startswith(_IMAGE_MAGIC):
        return "image"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or (b"mime-version:" in head and b"text/html" in data[:8192]):
        return "html"
    return None


def _format_of(name: str, data: bytes) -> str:
    fmt = FORMATS.get(_suffix(_base_name(name)).lower())
    if fmt == "docx" and data.startswith(_OLE2):  # a Word 97 file renamed, or a password-protected .docx
        return "doc"
    if fmt in ("doc", "wps", "rtf"):
        # Word-processor names lie often: a ".doc" is RTF, a .docx or a web page saved by Word
        sniffed = _sniff(data)
        if sniffed == "doc":
            return fmt if fmt != "rtf" else "doc"
        return sniffed or "txt"
    if fmt:
        return fmt
    return _sniff(data) or "txt"  # unknown extension (or stdin): sniff the content, else treat it as text


# ---------------------------------------------------------------------------- size limit
_MB = 1_000_000


def _limit_bytes(settings: dict[str, Any]) -> int:
    return int(settings["max_document_mb"]) * _MB


def _too_large(name: str, what: str, settings: dict[str, Any]) -> InputError:
    """``what`` says what was measured: "file of 250.3 MB" ..."""
    return InputError(name, f"{what} is larger than read.max_document_mb = {settings['max_document_mb']} "
                            "(a higher limit in a --config file reads it)")


def _mb(size: int) -> str:
    return f"{size / _MB:,.1f} MB"


def check_file_size(path: str, config: dict[str, Any] | None = None) -> None:
    """Refuse a file larger than ``read.max_document_mb`` before reading a byte of it."""
    settings = _settings(config)
    try:
        size = os.stat(path).st_size
    except OSError:
        return  # reading it says what is wrong
    if size > _limit_bytes(settings):
        raise _too_large(path, f"file of {_mb(size)}", settings)


def _check_text_size(raw: str, name: str, settings: dict[str, Any]) -> None:
    """Refuse a decoded or extracted text over the limit (UTF-8 size; encoded only when in doubt)."""
    limit = _limit_bytes(settings)
    if len(raw) * 4 <= limit:  # a character is at most 4 bytes of UTF-8
        return
    if len(raw) > limit:
        raise _too_large(name, f"its text, more than {_mb(len(raw))} of UTF-8,", settings)
    size = len(raw.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise _too_large(name, f"its text, {_mb(size)} of UTF-8,", settings)


def read_bytes(data: bytes, name: str, config: dict[str, Any] | None = None) -> Document:
    """Decode, extract and normalize one document given as bytes; ``name`` decides the format."""
    settings = _settings(config)
    if len(data) > _limit_bytes(settings):
        raise _too_large(name, f"file of {_mb(len(data))}", settings)
    fmt = _format_of(name, data)
    meta: dict[str, Any] = {"bytes": len(data)}
    ocr_spans: list[tuple[int, int, float]] = []
    if not data or data.isspace():  # (data.strip() would copy a long file)
        raise InputError(name, "empty file" if not data else "empty file (only whitespace)")
    doc_id = make_doc_id(name, data)
    if fmt == "docx":
        raw = _read_docx(data, name)
    elif fmt in ("doc", "wps"):
        from .office import to_docx

        kind = "WPS (.wps)" if fmt == "wps" else "Word 97 (.doc)"
        raw = _read_docx(to_docx(data, name, kind, float(settings["office_timeout"])), name)
    elif fmt == "rtf":
        from .office import read_rtf

        raw = read_rtf(data, name)
    elif fmt == "pdf":
        from .pdf import read_pdf

        pdf = read_pdf(data, name, settings)
        raw, ocr_spans = pdf.raw, pdf.ocr
        meta.update(pdf.meta)
    elif fmt == "image":
        raw, ocr_spans, meta["pages"] = _read_image(data, name, settings)
    elif fmt == "html":
        raw = _read_html(data, name)
    else:
        raw, meta["encoding"] = decode_text(data, name, settings.get("default_encoding") or "utf-8")
    del data  # the file's bytes go before normalizing (read_path hands them over): a long text's peak is smaller
    _check_text_size(raw, name, settings)  # extraction (PDF, .docx, OCR) can give more text than the file's size
    norm = normalize(raw, settings)
    if not norm.text.strip():
        raise InputError(name, "empty document (no text, only whitespace or invisible characters)")
    return Document(path=name, doc_id=doc_id, raw=raw, norm=norm, meta=meta, source_format=fmt,
                    ocr=ocr_spans)


def read_path(path: str | Path, config: dict[str, Any] | None = None) -> Document:
    """Read one file (``-`` reads standard input)."""
    if str(path) == "-":
        return read_stdin(config)
    check_file_size(str(path), config)
    return read_bytes(_read_within_limit(str(path), config), str(path), config)  # no reference kept to the bytes


def _read_within_limit(path: str, config: dict[str, Any] | None) -> bytes:
    """The file's bytes, refused at one byte over ``read.max_document_mb`` (a pipe or device has no size
    to check first: /dev/zero is not read forever)."""
    settings = _settings(config)
    limit = _limit_bytes(settings)
    data = _read_file(path, limit)
    if len(data) > limit:
        what = f"standard input, more than {_mb(limit)}," if path == "-" else f"file of more than {_mb(limit)}"
        raise _too_large(path, what, settings)
    return data


def read_stdin(config: dict[str, Any] | None = None) -> Document:
    """Read a document from standard input (format sniffed: PDF, docx, HTML, else text)."""
    data = _read_within_limit("-", config)
    doc = read_bytes(data, "-", config)
    doc.doc_id = make_doc_id("stdin", data)  # "-#hash" would read badly
    return doc


def _read_file(path: str, limit: int | None = None) -> bytes:
    """The file's bytes; with ``limit``, at most one byte more than it (enough to refuse the file)."""
    size = -1 if limit is None else limit + 1
    if path == "-":
        return sys.stdin.buffer.read(size)
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except IsADirectoryError:
        raise InputError(path, "is a directory") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None


# ---------------------------------------------------------------------------- input lists
@dataclass
class PathScan:
    """The inputs found, and what was left out of folders (for the run's summary)."""

    files: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # files in folders that no reader takes
    links: list[tuple[str, str]] = field(default_factory=list)  # (link, why it was not followed)


def _hidden(p: Path) -> bool:
    return p.name.startswith((".", "~$"))  # dot files, Office lock files, our own checkpoints


def _walk(root: Path, follow_links: bool, scan: PathScan, extensions: set[str]) -> None:
    """Files under ``root`` (sorted); a link is followed only to a file inside ``root`` unless ``follow_links``.

    Folders are walked from a stack, not by a nested function calling itself: such a function is a
    reference cycle holding every path found until the cyclic collector runs, and the command starts
    with the collector off and then freezes what start-up left (``policytag.cli.start_up_done``), so
    the paths of every input stayed for the whole run (issue 13: ≈120 bytes a file)."""
    inside = root.resolve()
    found: list[str] = []
    seen_dirs: set[tuple[int, int]] = set()
    links_before = len(scan.links)
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            st = folder.stat()
            entries = list(os.scandir(folder))
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen_dirs:  # a link loop
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        subfolders: list[Path] = []
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    scan.links.append((str(path), "dangling link"))
                    continue
                within = target == inside or inside in target.parents
                if target.is_dir():
                    if follow_links and not within:
                        subfolders.append(path)
                    elif not within:
                        scan.links.append((str(path), f"link to a folder outside {root} (--follow-links follows it)"))
                    continue  # a folder inside is walked anyway
                if not (within or follow_links):
                    scan.links.append((str(path), f"link to {target}, outside {root} (--follow-links follows it)"))
                    continue
                found.append(str(path))
            elif entry.is_dir(follow_symlinks=False):
                subfolders.append(path)
            elif entry.is_file(follow_symlinks=False):
                found.append(str(path))
        folders.extend(reversed(subfolders))  # walked in the order listed, each one whole before the next
    scan.links[links_before:] = sorted(scan.links[links_before:])
    # kept as strings, not Path objects (≈3× the memory; a folder of 50,000 reports is walked whole),
    # sorted as Paths sort: by their parts ("\0" sorts before any character of a name)
    names = found
    names.sort(key=lambda name: os.path.normcase(name).replace(os.sep, "\0"))
    for name in names:
        base = os.path.basename(name)
        if base.startswith((".", "~$")):  # _hidden
            continue
        (scan.files if _suffix(base).lower() in extensions else scan.unsupported).append(name)


def scan_paths(specs: list[str], extensions: set[str] | None = None, follow_links: bool = False) -> PathScan:
    """Expand inputs: files, directories (recursive), globs and ``-`` (stdin).

    Directories (and folders a glob matches) keep only files with a supported
    extension (``extensions``, default ``SUPPORTED``, the readers' table); the
    others are listed in ``unsupported``. A symbolic link inside a folder is
    followed only when it leads to a file inside that folder, unless
    ``follow_links``; links not followed, and dangling ones, are listed in
    ``links``. A file named explicitly is always kept, and is read as text if
    its extension is unknown. Order is kept, duplicates dropped.
    """
    extensions = SUPPORTED if extensions is None else {e.lower() for e in extensions}
    scan = PathScan()
    for spec in specs:
        if spec == "-":
            scan.files.append(spec)
        elif Path(spec).is_dir():
            _walk(Path(spec), follow_links, scan, extensions)
        elif any(ch in spec for ch in "*?[") and not Path(spec).exists():
            import glob

            for match in sorted(glob.glob(spec, recursive=True)):
                p = Path(match)
                if p.is_dir():
                    _walk(p, follow_links, scan, extensions)
                elif p.is_file():
                    scan.files.append(match)
        else:
            scan.files.append(spec)
    if len(specs) > 1:  # one folder's walk has no duplicates: no dict of every path is built for it
        scan.files = list(dict.fromkeys(scan.files))
    scan.unsupported = list(dict.fromkeys(scan.unsupported))
    return scan


def iter_paths(specs: list[str], extensions: set[str] | None = None, follow_links: bool = False) -> list[str]:
    """The input files of ``scan_paths`` (what was left out is not reported)."""
    return scan_paths(specs, extensions, follow_links).files


# ---------------------------------------------------------------------------- pre-cut paragraphs
def _paragraph(text: Any, row: dict[str, Any], number: int, ordinal: int, path: str, file_id: str,
               text_field: str, settings: dict[str, Any]) -> Paragraph | InputError:
    """One row -> Paragraph; ``number`` is its line in the file, ``ordinal`` its 0-based row index."""
    if not isinstance(text, str):
        return InputError(path, f"field {text_field!r} is not a string", line=number)
    body = normalize(text, settings).strip()
    if not body.text:
        return InputError(path, f"empty {text_field!r}", line=number)
    extra = {k: v for k, v in row.items() if k not in (text_field, "doc_id", "doc")}
    extra.setdefault("id", number)
    doc_id = row.get("doc_id") or row.get("doc") or file_id
    return Paragraph(doc_id=str(doc_id), path=path, index=ordinal, body=body, extra=extra)


_ORJSON_PROBLEMS = {
    "Integer exceeds 64-bit range": "a number is too large (more than 64 bits)",
    "str is not valid UTF-8: surrogates not allowed": "text holds an unpaired surrogate escape such as \\ud800",
    "Recursion limit reached": "JSON nested too deeply (more than 254 levels)",
}


def _unstorable(row: Any) -> str | None:
    """Why a parsed row could not be written as a record (orjson refuses it), or None."""
    import orjson

    try:
        orjson.dumps(row)
    except orjson.JSONEncodeError as exc:
        return _ORJSON_PROBLEMS.get(str(exc), f"cannot be stored: {exc}")
    return None


def _iter_jsonl(text: str, path: str, file_id: str, text_field: str,
                settings: dict[str, Any]) -> Iterator[Paragraph | InputError]:
    ordinal = -1
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines: JSON may hold U+2028
        if not line.strip():
            continue
        ordinal += 1
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputError(path, f"not valid JSON: {exc.msg} (column {exc.colno})", line=number)
            continue
        except RecursionError:
            yield InputError(path, "JSON nested too deeply to read", line=number)
            continue
        problem = _unstorable(row)
        if problem:
            yield InputError(path, problem, line=number)
            continue
        if not isinstance(row, dict):
            yield InputError(path, f"expected a JSON object, got {type(row).__name__}", line=number)
        elif text_field not in row:
            yield InputError(path, f"no {text_field!r} field (fields: {', '.join(row) or 'none'})", line=number)
        else:
            yield _paragraph(row[text_field], row, number, ordinal, path, file_id, text_field, settings)


def _iter_csv(text: str, path: str, file_id: str, text_field: str,
              settings: dict[str, Any]) -> Iterator[Paragraph | InputError]:
    try:
        dialect: Any = csv.Sniffer().sniff(text[:65536], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    lines = _Lines(text)
    reader = csv.DictReader(lines, dialect=dialect)
    try:
        fields = reader.fieldnames or []
    except csv.Error as exc:
        raise InputError(path, f"not valid CSV: {exc}") from None
    if text_field not in fields:
        found = ", ".join(fields) if fields else "none"
        raise InputError(path, f"no {text_field!r} column (columns found: {found}); use --text-field")
    for ordinal in itertools.count():
        first = reader.line_num + 1
        lines.taken.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield InputError(path, f"not valid CSV: {exc}", line=reader.line_num)
            return
        if lines.unclosed_quote(dialect):
            yield InputError(path, f"unclosed quote: the cell opened on this line runs to the end of the file "
                                   f"(line {reader.line_num}), so the rows after it were not read; close the quote",
                             line=first)
            return
        row.pop(None, None)  # cells beyond the header
        yield _paragraph(row.get(text_field) or "", row, reader.line_num, ordinal, path, file_id, text_field, settings)


class _Lines:
    """The lines the CSV reader takes, kept for the current row (to see a quote that never closes)."""

    def __init__(self, text: str) -> None:
        self._lines = io.StringIO(text, newline="")
        self.taken: list[str] = []
        self.done = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._lines.readline()
        if not line:
            self.done = True
            raise StopIteration
        self.taken.append(line)
        return line

    def unclosed_quote(self, dialect: Any) -> bool:
        """The last row ran over several lines to the end of the text with an odd number of quotes."""
        if len(self.taken) < 2 or self._lines.tell() < len(self._lines.getvalue()):
            return False
        quote = getattr(dialect, "quotechar", '"') or '"'
        return "".join(self.taken).count(quote) % 2 == 1


def read_precut(path: str | Path, input_format: str, config: dict[str, Any] | None = None,
                text_field: str = "text") -> Iterator[Paragraph | InputError]:
    """Paragraphs already cut, one per JSONL line or CSV row; a bad row yields its InputError.

    Each row's text is normalized on its own (``Paragraph.body`` offsets index that
    row's text). ``id`` is kept (or the line number), other fields go to ``extra``,
    ``doc_id``/``doc`` name the document (default: the file's id).
    """
    if input_format not in PRECUT_FORMATS:
        raise ConfigError(f"unknown input format {input_format!r}; expected one of {', '.join(PRECUT_FORMATS)}")
    source = str(path)
    data = _read_file(source)
    settings = _settings(config)
    if not data.strip():
        raise InputError(source, "empty file")
    text, _ = decode_text(data, source, settings.get("default_encoding") or "utf-8")
    text = text.removeprefix("\ufeff")
    file_id = make_doc_id("stdin" if source == "-" else source, data)
    rows = _iter_jsonl if input_format == "jsonl" else _iter_csv
    yield from rows(text, source, file_id, text_field, settings)


__all__ = ["SUPPORTED", "PathScan", "decode_text", "iter_paths", "make_doc_id", "read_bytes", "read_path",
           "read_precut", "read_stdin", "scan_paths"]
