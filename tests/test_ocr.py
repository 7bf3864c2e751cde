"""OCR: image files and scanned PDF pages read by RapidOCR (the ``ocr`` extra), offline.

Pages are rendered here from our own sentences (tests/pages.py). Tests that run the
engine skip when the extra is absent (CI installs it); the routing and the limits are
tested with a stand-in engine everywhere.
"""

from __future__ import annotations

import struct
import zlib

import pytest
from pages import (
    SENTENCES,
    char_error_rate,
    column_lines,
    edit_fonts,
    embedded_font_pdf,
    image_bytes,
    pdf_of_images,
    render_lines,
    truetype_cjk_font,
)

from policytag import ocr
from policytag.config import load_config
from policytag.errors import InputError
from policytag.layout import Box, Line
from policytag.read import read_bytes
from policytag.tagger import Tagger

needs_ocr = pytest.mark.skipif(not ocr.available(), reason="OCR extra not installed: pip install 'policytag[ocr]'")
LINES = column_lines(30, SENTENCES[:5])  # wrapped to fit the page: 30 characters of 30 px in 1,080 px


@pytest.fixture
def fake_ocr(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, ...]]:
    calls: list[tuple[int, ...]] = []

    def ocr_lines(image, threads: int = 0) -> list[Line]:  # noqa: ANN001
        calls.append(image.shape)
        return [Line("识别出的一行文字。", [Box(0, 0, 1, 1, "识别出的一行文字。", 0.5)])]

    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "ocr_lines", ocr_lines)
    return calls


# ---------------------------------------------------------------------------- real engine
@needs_ocr
def test_png_is_read_by_ocr_with_source_and_confidence() -> None:
    data = image_bytes(render_lines(LINES, size=30))
    doc = read_bytes(data, "page.png")
    assert doc.source_format == "image" and doc.meta["pages"] == 1
    assert char_error_rate("\n".join(LINES), doc.norm.text) <= 0.03
    assert doc.ocr and doc.ocr[0][0] == 0 and doc.ocr[-1][1] == len(doc.raw)
    records = [p.to_dict() for p in Tagger().tag_document(doc)]
    assert records and all(r["meta"]["source"] == "ocr" for r in records)
    assert all(0.5 <= r["meta"]["ocr_confidence"] <= 1 for r in records)
    # offsets index the OCR text, which is the document's original text
    assert all(doc.raw[r["start"] : r["end"]].replace("\n", "") == r["text"] for r in records)


@needs_ocr
def test_rotated_noisy_jpeg() -> None:
    page = render_lines(LINES, size=30, angle=1.0, noise=0.01, blur=0.6, seed=1)
    doc = read_bytes(image_bytes(page, "JPEG", quality=80), "photo.jpg")
    assert char_error_rate("\n".join(LINES), doc.norm.text) <= 0.08


@needs_ocr
def test_page_scanned_upside_down_is_turned() -> None:
    page = render_lines(LINES[:3], size=30).rotate(180)
    doc = read_bytes(image_bytes(page), "upside_down.png")
    assert char_error_rate("\n".join(LINES[:3]), doc.norm.text) <= 0.03


@needs_ocr
def test_two_page_tiff_reads_both_pages_in_order() -> None:
    first, second = render_lines(LINES[:2], size=30, width=1100), render_lines(LINES[2:4], size=30, width=1100)
    data = image_bytes(first, "TIFF", save_all=True, append_images=[second])
    doc = read_bytes(data, "scan.tif")
    assert doc.meta["pages"] == 2
    assert char_error_rate("\n".join(LINES[:4]), doc.norm.text) <= 0.03


@needs_ocr
def test_scanned_pdf_is_ocrd() -> None:
    data = pdf_of_images([render_lines(LINES, size=30)], dpi=150)
    doc = read_bytes(data, "scan.pdf")
    assert char_error_rate("\n".join(LINES), doc.norm.text) <= 0.03
    assert doc.ocr and doc.meta["pages"] == 1


@needs_ocr
def test_two_column_page_image_is_read_column_by_column() -> None:
    lines = column_lines(16, SENTENCES[:6])
    page = render_lines(lines, size=26, columns=2, width=1240)
    doc = read_bytes(image_bytes(page), "epaper.png")
    half = (len(lines) + 1) // 2
    left, right = "".join(lines[:half]), "".join(lines[half:])
    text = "".join(doc.norm.text.split())
    assert char_error_rate(left + right, text) <= 0.05
    assert text.find(left[:8]) < text.find(right[:8])  # the left column comes first


@needs_ocr
def test_cjk_pdf_without_tounicode_falls_back_to_ocr() -> None:
    from pypdf.generic import NameObject

    font = truetype_cjk_font()
    if font is None:
        pytest.skip("needs a TrueType CJK font (Debian: fonts-wqy-zenhei) to embed; CI installs it")

    def strip(font_dict) -> None:  # noqa: ANN001
        if "/ToUnicode" in font_dict:
            del font_dict[NameObject("/ToUnicode")]

    lines = column_lines(28, SENTENCES[1:3])
    doc = read_bytes(edit_fonts(embedded_font_pdf(lines, font), strip), "no_tounicode.pdf")
    assert char_error_rate("".join(lines), doc.norm.text) <= 0.03 and doc.ocr


# ---------------------------------------------------------------------------- without the engine
def test_image_without_the_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(InputError, match=r"page.png: image file: install policytag\[ocr\]: "
                                         r"pip install 'policytag\[ocr\]'"):
        read_bytes(image_bytes(render_lines(["一行"])), "page.png")


def test_image_with_ocr_off() -> None:
    config = load_config(None, {"read.ocr": "never"})
    with pytest.raises(InputError, match=r"image file needs OCR, but OCR is off \(--ocr never\)"):
        read_bytes(image_bytes(render_lines(["一行"])), "page.png", config)


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims width×height pixels and holds a few bytes of data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + \
        chunk(b"IEND", b"")


def test_enormous_image_is_refused_before_decoding(fake_ocr: list) -> None:
    from PIL import Image

    pillow_limit = Image.MAX_IMAGE_PIXELS
    with pytest.raises(InputError, match=r"huge.png: image is 60000×60000 pixels \(3600 Mpx\), more than "
                                         r"read.max_image_pixels = 100 Mpx"):
        read_bytes(png_header(60_000, 60_000), "huge.png")
    assert not fake_ocr
    assert pillow_limit == Image.MAX_IMAGE_PIXELS  # Pillow's own check is put back for everyone else


def test_corrupt_image_is_one_line(fake_ocr: list) -> None:
    data = image_bytes(render_lines(LINES))
    with pytest.raises(InputError, match=r"cut.png: image cannot be decoded \(truncated or corrupt\?\)"):
        read_bytes(data[: len(data) // 2], "cut.png")
    with pytest.raises(InputError, match=r"noise.png: not a readable image"):
        read_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50, "noise.png")


def test_tiff_with_too_many_pages_is_refused(fake_ocr: list) -> None:
    frames = [render_lines(["页"], width=200) for _ in range(3)]
    data = image_bytes(frames[0], "TIFF", save_all=True, append_images=frames[1:])
    with pytest.raises(InputError, match=r"image file has 3 pages, more than read.ocr_max_pages = 2"):
        read_bytes(data, "many.tiff", load_config(None, {"read.ocr_max_pages": 2}))
    assert not fake_ocr


@pytest.mark.parametrize(("fmt", "name"), [("PNG", "x.png"), ("JPEG", "x.jpeg"), ("BMP", "x.bmp"), ("TIFF", "x.tiff"),
                                           ("PNG", "-")])
def test_every_image_format_reaches_ocr(fake_ocr: list, fmt: str, name: str) -> None:
    doc = read_bytes(image_bytes(render_lines(["一行"], width=300), fmt), name)
    assert doc.raw == "识别出的一行文字。" and doc.source_format == "image" and len(fake_ocr) == 1


def test_models_come_inside_the_installed_package() -> None:
    """No download at run time: the detection and recognition models are files of the wheel."""
    if not ocr.available():
        pytest.skip("OCR extra not installed: pip install 'policytag[ocr]'")
    from importlib.resources import files

    models = [p.name for p in files("rapidocr").joinpath("models").iterdir() if p.name.endswith(".onnx")]
    assert any("det" in m for m in models) and any("rec" in m for m in models)
