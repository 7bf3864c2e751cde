"""pdf: text layers in reading order, broken layers detected, scans routed to OCR, bad PDFs refused.

OCR itself is replaced by a stand-in here (``fake_ocr``) so that the routing is tested
everywhere; tests/test_ocr.py runs the real engine when the extra is installed.
"""

from __future__ import annotations

import io
import time
import zlib
from pathlib import Path

import pytest
from pages import (
    SENTENCES,
    column_lines,
    edit_fonts,
    embedded_font_pdf,
    pdf_of_images,
    render_lines,
    text_pdf,
    truetype_cjk_font,
    two_column_items,
    wrap,
)

from policytag import ocr, pdf
from policytag.config import load_config
from policytag.errors import InputError
from policytag.layout import Box, Line
from policytag.read import read_bytes
from policytag.tagger import Tagger

LEFT_TEXT = "常委会坚持围绕中心依法履职，全年听取审议专项工作报告十二项，开展执法检查四次，组织专题询问两次。"
RIGHT_TEXT = "完善代表联系群众制度，建成代表联络站三十六个，办理代表建议一百二十件，办复率达到百分之百。"
FAKE_LINES = ["扫描页第一行：审议通过条例草案三件，", "批准单行条例两件。"]


def config(**read: object) -> dict:
    return load_config(None, {f"read.{k}": v for k, v in read.items()})


@pytest.fixture
def fake_ocr(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """OCR "installed", returning FAKE_LINES for any page; records the size of each page image."""
    calls: list[tuple[int, int]] = []

    def ocr_lines(image, threads: int = 0) -> list[Line]:  # noqa: ANN001
        calls.append(image.shape[:2])
        return [Line(text, [Box(0, 0, 1, 1, text, 0.9)]) for text in FAKE_LINES]

    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "ocr_lines", ocr_lines)
    return calls


@pytest.fixture
def no_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)


def scan_page() -> bytes:
    return pdf_of_images([render_lines(["扫描页"], size=40, width=600)])


def mixed_pdf() -> bytes:
    """Page 1 has a text layer, page 2 is a picture (a scan)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    first = text_pdf([[(56, 80, "第一页：常委会依法履职。"), (56, 100, "听取审议专项工作报告。")]])
    for data in (first, scan_page()):
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------------------- reading order
def test_two_column_pdf_reads_column_by_column() -> None:
    left, right = wrap(LEFT_TEXT, 17), wrap(RIGHT_TEXT, 17)
    data = text_pdf([two_column_items(left, right, title="某县人大常委会工作报告")])
    doc = read_bytes(data, "epaper.pdf")
    assert doc.raw.split("\n") == ["某县人大常委会工作报告", *left, *right]
    # and segment joins the wrapped lines of each column back into its sentence (it also joins a bare
    # title line to a wrapped line after it: that is segment's rule for hard-wrapped text)
    paragraphs = [p.text for p in Tagger().segment(doc)]
    assert paragraphs[0].endswith(LEFT_TEXT) and paragraphs[1] == RIGHT_TEXT


def test_pypdf_order_would_interleave_the_columns() -> None:
    """The fixture really is drawn row by row: content-stream order mixes the columns."""
    from pypdf import PdfReader

    left, right = wrap(LEFT_TEXT, 14), wrap(RIGHT_TEXT, 14)
    data = text_pdf([two_column_items(left, right)])
    stream_order = PdfReader(io.BytesIO(data)).pages[0].extract_text().split("\n")
    assert stream_order[:2] == [left[0], right[0]]


def test_pages_are_joined_in_order_and_offsets_index_raw() -> None:
    data = text_pdf([[(56, 80, "第一页第一行。")], [(56, 80, "第二页第一行，"), (56, 100, "接着第二行。")]])
    doc = read_bytes(data, "two_pages.pdf")
    assert doc.raw == "第一页第一行。\n第二页第一行，\n接着第二行。"
    assert doc.meta["pages"] == 2 and doc.ocr == []


# ---------------------------------------------------------------------------- broken text layers
@pytest.mark.parametrize("text", [
    "常委会坚持围绕中心依法履职，全年听取审议专项工作报告十二项。",
    "常務委員會聽取審議專項工作報告，開展執法檢查。",  # traditional script
    "GDP增长6.5%，完成投资120亿元；①②③ ●■ ×÷ 《条例》“双联”——第1页",
    "Standing committee report 2023: review and plan.",
    "⼗四五规划纲要，\uf9b4导班子",  # radicals and compatibility ideographs are normalized later
])
def test_real_text_is_language(text: str) -> None:
    assert pdf.text_problem(text) is None


@pytest.mark.parametrize("text", [
    "\x01\x04\x05\x06\x07\x08\x0b\x0e\x0f\x10\x11\x12\x13GDP\x1e\x1f6%\x0eÄÅÇÉÑ\x14120Ö",  # no ToUnicode, CID=GID
    "䐚题：釦䐢㾟ꃀ的䥦试页面㧯䐢第醟行㩁㗖鍦か㼎鐤䣯㡩职",  # CIDs read through the wrong CMap
    "\ue000\ue001\ue002\ue003\ue004\ue005\ue006\ue007\ue008\ue009\ue00a",  # private use
    "¹¤×÷±¨¸æ³£Î¯»áÒÀ·¨ÂÄÖ°",  # GBK bytes taken for Latin-1
    "\ufffd" * 12,
])
def test_mojibake_is_not_language(text: str) -> None:
    assert pdf.text_problem(text) is not None


def test_short_text_is_not_judged() -> None:
    assert pdf.text_problem("\ue000\ue001") is None


def wrong_cmap_pdf() -> bytes:
    """STSong-Light text whose Unicode CMap is swapped for Identity-H: CIDs read as Unicode -> mojibake."""
    from pypdf.generic import NameObject

    def identity(font) -> None:  # noqa: ANN001
        if "/DescendantFonts" in font:
            font[NameObject("/Encoding")] = NameObject("/Identity-H")

    return edit_fonts(text_pdf([[(56, 80 + 20 * i, s) for i, s in enumerate(SENTENCES[:4])]]), identity)


def test_wrong_cmap_without_ocr_is_reported_not_tagged(no_ocr: None) -> None:
    with pytest.raises(InputError, match=r"mojibake.pdf: page 1: broken text layer: \d+% of its characters cannot "
                                         r"be Chinese report text.*install policytag\[ocr\]"):
        read_bytes(wrong_cmap_pdf(), "mojibake.pdf")


def test_wrong_cmap_with_ocr_off_is_reported() -> None:
    with pytest.raises(InputError, match=r"page 1: the text layer is not readable text .*--ocr never"):
        read_bytes(wrong_cmap_pdf(), "mojibake.pdf", config(ocr="never"))


def test_wrong_cmap_falls_back_to_ocr(fake_ocr: list) -> None:
    doc = read_bytes(wrong_cmap_pdf(), "mojibake.pdf")
    assert doc.raw == "\n".join(FAKE_LINES) and len(fake_ocr) == 1


def no_tounicode_pdf(font: str) -> bytes:
    """An embedded CJK TrueType subset with its ToUnicode map removed: what many Chinese PDFs are."""
    from pypdf.generic import NameObject

    def strip(font_dict) -> None:  # noqa: ANN001
        if "/ToUnicode" in font_dict:
            del font_dict[NameObject("/ToUnicode")]

    return edit_fonts(embedded_font_pdf(column_lines(28, SENTENCES[1:3]), font), strip)


def test_cjk_pdf_without_tounicode_is_reported(no_ocr: None) -> None:
    font = truetype_cjk_font()
    if font is None:
        pytest.skip("needs a TrueType CJK font (Debian: fonts-wqy-zenhei) to embed; CI installs it")
    with pytest.raises(InputError, match=r"broken text layer: .*no Unicode mapping \(a font without ToUnicode\)"):
        read_bytes(no_tounicode_pdf(font), "no_tounicode.pdf")


def test_cli_reports_mojibake_pdf_and_does_the_rest(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "bad.pdf").write_bytes(wrong_cmap_pdf())
    (tmp_path / "good.txt").write_text("常委会开展执法检查。\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = subprocess.run([str(Path(sys.executable).with_name("policytag")), "tag", str(tmp_path), "-o", str(out),
                             "--ocr", "never"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "bad.pdf: page 1: the text layer is not readable text" in result.stderr
    assert out.read_text(encoding="utf-8").count("\n") == 1


# ---------------------------------------------------------------------------- scans
def test_scanned_pdf_without_the_extra_says_what_to_install(no_ocr: None) -> None:
    with pytest.raises(InputError, match=r"scan.pdf: scanned PDF \(page 1 without a text layer\): "
                                         r"install policytag\[ocr\]: pip install 'policytag\[ocr\]'"):
        read_bytes(scan_page(), "scan.pdf")


def test_only_the_scanned_page_is_ocrd_and_its_paragraphs_say_so(fake_ocr: list) -> None:
    doc = read_bytes(mixed_pdf(), "mixed.pdf")
    assert doc.raw == "第一页：常委会依法履职。\n听取审议专项工作报告。\n" + "\n".join(FAKE_LINES)
    assert len(fake_ocr) == 1
    start = doc.raw.index(FAKE_LINES[0])
    assert [span[:2] for span in doc.ocr] == [(start, start + len(FAKE_LINES[0])),
                                              (start + len(FAKE_LINES[0]) + 1, len(doc.raw))]
    assert [span[2] for span in doc.ocr] == pytest.approx([0.9, 0.9])
    records = [p.to_dict() for p in Tagger().segment(doc)]
    by_text = {r["text"]: r["meta"] for r in records}
    assert by_text["扫描页第一行：审议通过条例草案三件，批准单行条例两件。"]["source"] == "ocr"
    assert by_text["扫描页第一行：审议通过条例草案三件，批准单行条例两件。"]["ocr_confidence"] == 0.9
    assert "source" not in by_text["第一页：常委会依法履职。"]


def test_ocr_never_leaves_out_scanned_pages(fake_ocr: list) -> None:
    doc = read_bytes(mixed_pdf(), "mixed.pdf", config(ocr="never"))
    assert doc.raw == "第一页：常委会依法履职。\n听取审议专项工作报告。" and not fake_ocr


def test_ocr_always_reads_every_page_by_ocr(fake_ocr: list) -> None:
    doc = read_bytes(mixed_pdf(), "mixed.pdf", config(ocr="always"))
    assert doc.raw == "\n".join(FAKE_LINES * 2) and len(fake_ocr) == 2


def test_blank_pages_are_not_sent_to_ocr(fake_ocr: list) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(InputError, match="no text"):
        read_bytes(out.getvalue(), "blank.pdf")
    assert not fake_ocr


def test_pages_are_rendered_at_the_configured_resolution(fake_ocr: list) -> None:
    read_bytes(scan_page(), "scan.pdf", config(ocr_dpi=100))
    # the scan is a 600-pixel-wide image at 150 dpi: 4 inches, so 400 pixels at 100 dpi
    assert fake_ocr[0][1] == 400


def test_bad_ocr_setting_is_a_config_error() -> None:
    from policytag.errors import ConfigError

    with pytest.raises(ConfigError, match="read.ocr"):
        read_bytes(scan_page(), "scan.pdf", config(ocr="sometimes"))


# ---------------------------------------------------------------------------- bad PDFs
def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF from numbered object bodies (1 0 obj ...), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def huge_picture_pdf(width: int, height: int) -> bytes:
    """A page showing one image that claims width×height pixels (its data is a few bytes)."""
    content = b"q 500 0 0 500 50 50 cm /Im0 Do Q"
    data = zlib.compress(b"\x00" * 1000)
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Filter /FlateDecode /Length %d >>\nstream\n" % (width, height, len(data)) + data + b"\nendstream",
    ])


def test_enormous_embedded_picture_is_refused_before_decoding(fake_ocr: list) -> None:
    started = time.process_time()
    with pytest.raises(InputError, match=r"big.pdf: page 1: embedded picture of 50000×50000 pixels is more than "
                                         r"read.max_image_pixels = 100 Mpx"):
        read_bytes(huge_picture_pdf(50_000, 50_000), "big.pdf")
    assert not fake_ocr
    assert time.process_time() - started < 30  # not decoded (2.5 Gpx would take minutes and 2.5 GB)


def test_page_too_large_for_the_pixel_cap_is_refused(fake_ocr: list) -> None:
    with pytest.raises(InputError, match=r"page 1: page of 8×12 inches is too large to OCR"):
        read_bytes(huge_picture_pdf(100, 100), "a4.pdf", config(max_image_pixels=100_000))


def test_rendering_is_scaled_down_to_the_pixel_cap(fake_ocr: list) -> None:
    read_bytes(huge_picture_pdf(100, 100), "a4.pdf", config(max_image_pixels=1_000_000))
    h, w = fake_ocr[0]
    assert h * w <= 1_000_000 and w > 600  # ~96 dpi instead of 200


def test_zero_page_pdf() -> None:
    from pypdf import PdfWriter

    out = io.BytesIO()
    PdfWriter().write(out)
    with pytest.raises(InputError, match="empty.pdf: PDF has no pages"):
        read_bytes(out.getvalue(), "empty.pdf")


def many_pages(n: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(n):
        writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_two_thousand_pages_are_refused_at_once() -> None:
    data = many_pages(2000)
    started = time.process_time()
    with pytest.raises(InputError, match=r"long.pdf: PDF has 2000 pages, more than read.max_pages = 1000"):
        read_bytes(data, "long.pdf")
    assert time.process_time() - started < 5


def test_too_many_pages_to_ocr_is_refused_before_any_ocr(fake_ocr: list) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_page(PdfReader(io.BytesIO(scan_page())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(InputError, match=r"3 pages need OCR, more than read.ocr_max_pages = 2"):
        read_bytes(out.getvalue(), "scans.pdf", config(ocr_max_pages=2))
    assert not fake_ocr


def test_truncated_pdf_is_one_line() -> None:
    data = text_pdf([[(56, 80, "第一页。")], [(56, 80, "第二页。")]])
    with pytest.raises(InputError, match="cut.pdf: ") as info:
        read_bytes(data[:300], "cut.pdf")
    assert "\n" not in str(info.value)
