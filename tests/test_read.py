"""read: every supported input becomes a Document whose offsets index Document.raw."""

from __future__ import annotations

import gc
import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from policytag.config import load_config
from policytag.errors import ConfigError, InputError
from policytag.normalize import get_converter
from policytag.read import SUPPORTED, decode_text, iter_paths, read_bytes, read_path, read_precut, read_stdin
from policytag.record import Document, Paragraph

# Written for these tests (not taken from real reports).
TEXT = (
    "一、过去一年的主要工作\n"
    "常委会坚持围绕中心依法履职，全年听取审议专项工作报告十二项，开展执法检查四次。\n"
    "二、加强代表工作\n"
    "完善代表联系群众制度，办理代表建议一百二十件，办复率达到百分之百。\n"
)


def check_document(doc: Document) -> None:
    """Offsets strictly increase, stay inside raw, and each normalized char comes from its raw char."""
    offsets = doc.norm.offsets
    assert len(offsets) == len(doc.norm.text)
    assert np.all(np.diff(offsets) > 0)
    assert offsets[0] >= 0 and offsets[-1] < len(doc.raw)
    t2s = get_converter("t2s")
    for out, o in zip(doc.norm.text, offsets.tolist(), strict=True):
        r = doc.raw[o]
        assert out in (r, t2s(r), " ", "\n") or ord(r) - 0xFEE0 == ord(out), (out, r, o)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------- text encodings
@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("gbk", b""),
        ("gb18030", b""),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
    ],
)
def test_text_encodings(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = TEXT + ("人名用字䶮。\n" if encoding == "gb18030" else "")  # 䶮 is outside GBK
    path = write(tmp_path, "report.txt", prefix + text.encode(encoding))
    doc = read_path(path)
    assert doc.raw == text
    assert doc.norm.text == text
    assert doc.doc_id.startswith("report.txt#")
    check_document(doc)


def test_gb_family_is_decoded_as_gb18030(tmp_path: Path) -> None:
    doc = read_path(write(tmp_path, "r.txt", TEXT.encode("gbk")))
    assert doc.meta["encoding"] == "gb18030"


def test_big5_traditional_text_is_read_and_simplified(tmp_path: Path) -> None:
    trad = "一、過去一年的主要工作\n常務委員會聽取審議專項工作報告，開展執法檢查。\n加強代表工作，辦理代表建議。\n"
    doc = read_path(write(tmp_path, "r.txt", trad.encode("big5")))
    assert doc.raw == trad
    assert doc.norm.text == (
        "一、过去一年的主要工作\n常务委员会听取审议专项工作报告，开展执法检查。\n加强代表工作，办理代表建议。\n"
    )
    check_document(doc)


def test_crlf_text_offsets_index_raw(tmp_path: Path) -> None:
    doc = read_path(write(tmp_path, "r.txt", TEXT.replace("\n", "\r\n").encode()))
    assert "\r" in doc.raw and doc.norm.text == TEXT
    i = doc.norm.text.index("依法履职")
    start, end = doc.norm.span(i, i + 4)
    assert doc.raw[start:end] == "依法履职"


def test_binary_txt_is_an_input_error(tmp_path: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
    with pytest.raises(InputError, match="binary data, not text") as info:
        read_path(write(tmp_path, "image.txt", data))
    assert "image.txt" in str(info.value)


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n  ", "\u3000\n\ufeff".encode()])
def test_empty_or_whitespace_only(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(InputError, match="empty"):
        read_path(write(tmp_path, "blank.txt", data))


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_path(tmp_path / "nope.txt")


def test_ten_megabytes_without_line_breaks(tmp_path: Path) -> None:
    unit = "常委会依法履职，监督工作有力，代表作用充分发挥。"
    text = unit * (10_000_000 // len(unit.encode()) + 1)
    doc = read_path(write(tmp_path, "one_line.txt", text.encode()))
    assert len(doc.raw) == len(text) and doc.norm.text == text
    assert int(doc.norm.offsets[-1]) == len(text) - 1


def test_traditional_text_with_pinyin_and_fullwidth_digits(tmp_path: Path) -> None:
    raw = "常務委員會工作報(bào)告(gào)\n聽取人大(rén dà)代表建議１２０件，生產總值(GDP)增長６％。\n"
    doc = read_path(write(tmp_path, "trad.txt", raw.encode()))
    assert doc.raw == raw
    assert doc.norm.text == "常务委员会工作报告\n听取人大代表建议120件，生产总值(GDP)增长6％。\n"
    check_document(doc)
    i = doc.norm.text.index("报告")
    start, end = doc.norm.span(i, i + 2)
    assert raw[start:end] == "報(bào)告"


def test_unsupported_extension_named_explicitly_is_read_as_text(tmp_path: Path) -> None:
    doc = read_path(write(tmp_path, "report.doc.bak", TEXT.encode()))
    assert doc.raw == TEXT and doc.source_format == "txt"


def test_read_bytes_and_config(tmp_path: Path) -> None:
    config = load_config(None, {"read.opencc": ""})
    doc = read_bytes("報告".encode(), "<text>", config)
    assert doc.norm.text == "報告"
    assert read_bytes("報告".encode(), "<text>").norm.text == "报告"


def test_read_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TEXT.encode("gbk"))))
    doc = read_path("-")
    assert doc.path == "-" and doc.raw == TEXT and doc.doc_id.startswith("stdin#")


def test_decode_text_rejects_undecodable() -> None:
    with pytest.raises(InputError, match="binary"):
        decode_text(b"\x00\x01\x02\x03" * 100, "x.txt")


# ---------------------------------------------------------------------------- docx
def make_docx(path: Path) -> Path:
    from docx import Document as DocxDocument

    d = DocxDocument()
    d.add_paragraph("第一段：常委会依法履职。")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "项目", "数量"
    table.cell(1, 0).text, table.cell(1, 1).text = "专项报告", "12"
    d.add_paragraph("第二段：加强代表工作。")
    d.save(path)
    return path


def test_docx_keeps_tables_in_document_order(tmp_path: Path) -> None:
    doc = read_path(make_docx(tmp_path / "report.docx"))
    assert doc.raw == "第一段：常委会依法履职。\n项目\t数量\n专项报告\t12\n第二段：加强代表工作。"
    assert doc.source_format == "docx"
    check_document(doc)


def test_docx_reads_inside_content_controls_nested_tables_and_merged_cells(tmp_path: Path) -> None:
    """python-docx's iter_inner_content skips content controls (w:sdt): they are unwrapped first."""
    import copy

    from docx import Document as DocxDocument
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = DocxDocument()
    d.add_paragraph("封面之前的段落。")
    sdt = parse_xml(f"<w:sdt {nsdecls('w')}><w:sdtContent><w:p><w:r><w:t>某县人大常委会工作报告</w:t></w:r></w:p>"
                    "</w:sdtContent></w:sdt>")
    d.element.body.insert(1, sdt)
    table = d.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))  # one cell spanning two grid columns
    merged.text = "合并单元格"
    table.cell(0, 2).text = "右"
    table.cell(1, 0).text = "下左"
    inner = table.cell(1, 2).add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "嵌套甲", "嵌套乙"
    d.add_paragraph("表后段落。")
    # a content control inside a content control
    outer = copy.deepcopy(sdt)
    outer.find(".//{*}sdtContent").append(copy.deepcopy(sdt))
    d.element.body.insert(len(d.element.body) - 1, outer)
    path = tmp_path / "controls.docx"
    d.save(path)
    lines = read_path(path).raw.split("\n")
    assert lines[:2] == ["封面之前的段落。", "某县人大常委会工作报告"]
    assert lines[2] == "合并单元格\t右"  # the merged cell once, not once per grid column
    assert lines[3].startswith("下左\t") and "嵌套甲 嵌套乙" in lines[3]
    assert lines[4:] == ["表后段落。", "某县人大常委会工作报告", "某县人大常委会工作报告"]


def test_truncated_docx_is_an_input_error(tmp_path: Path) -> None:
    data = make_docx(tmp_path / "full.docx").read_bytes()
    path = write(tmp_path, "broken.docx", data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated or corrupt") as info:
        read_path(path)
    assert "broken.docx" in str(info.value)


# ---------------------------------------------------------------------------- pdf
def make_pdf(lines_per_page: list[list[str]]) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for lines in lines_per_page:
        c.setFont("STSong-Light", 12)
        for i, line in enumerate(lines):
            c.drawString(72, 750 - 20 * i, line)
        c.showPage()
    c.save()
    return buf.getvalue()


PDF_PAGES = [["一、常委会听取审议专项工作报告12项。", "二、加强代表工作，密切联系群众。"], ["三、加强自身建设。"]]


def test_pdf_text_layer(tmp_path: Path) -> None:
    doc = read_path(write(tmp_path, "report.pdf", make_pdf(PDF_PAGES)))
    assert doc.raw == "\n".join(line for page in PDF_PAGES for line in page)
    assert doc.source_format == "pdf"
    check_document(doc)


def encrypt(data: bytes, user_password: str, algorithm: str = "RC4-128") -> bytes:
    """RC4 is built into pypdf; AES needs the 'cryptography' package."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_encrypted_pdf_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, "locked.pdf", encrypt(make_pdf(PDF_PAGES), "secret"))
    with pytest.raises(InputError, match="encrypted") as info:
        read_path(path)
    assert "locked.pdf" in str(info.value)


def test_pdf_encrypted_with_an_empty_password_opens(tmp_path: Path) -> None:
    doc = read_path(write(tmp_path, "owner_only.pdf", encrypt(make_pdf(PDF_PAGES), "")))
    assert doc.raw.startswith("一、常委会")


def test_aes_encrypted_pdf_with_an_empty_password_opens(tmp_path: Path) -> None:
    pytest.importorskip("cryptography", reason="pypdf needs 'cryptography' for AES")
    doc = read_path(write(tmp_path, "aes.pdf", encrypt(make_pdf(PDF_PAGES), "", "AES-256")))
    assert doc.raw.startswith("一、常委会")


def _vector_only_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(100, 100, 300, 400, fill=1)  # a page with a picture of something, no text
    c.showPage()
    c.save()
    return buf.getvalue()


def test_pdf_without_text_layer_names_the_ocr_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policytag import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(InputError, match=r"scanned PDF \(page 1 without a text layer\): install policytag\[ocr\]"):
        read_path(write(tmp_path, "scan.pdf", _vector_only_pdf()))


def test_pdf_without_text_layer_and_ocr_off(tmp_path: Path) -> None:
    config = load_config(None, {"read.ocr": "never"})
    with pytest.raises(InputError, match=r"no text layer \(scanned image\?\) and OCR is off"):
        read_path(write(tmp_path, "scan.pdf", _vector_only_pdf()), config)


def test_corrupt_pdf_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="PDF"):
        read_path(write(tmp_path, "bad.pdf", b"%PDF-1.4\n garbage without objects"))


# ---------------------------------------------------------------------------- html
ARTICLE_HTML = """<!DOCTYPE html><html><head><meta charset="{charset}"><title>工作报告</title></head><body>
<nav><ul><li><a href="/">网站首页</a></li><li><a href="/news">新闻中心</a></li></ul></nav>
<div class="menu"><a href="/a">人大概况</a> | <a href="/b">联系我们</a></div>
<article><h1>常委会工作报告</h1>
<p>过去一年，常委会坚持围绕中心依法履职，听取审议专项工作报告十二项。</p>
<p>加强代表工作，完善代表联系群众制度，办理代表建议一百二十件。</p>
</article>
<footer><p>版权所有：人大常委会办公室</p></footer>
</body></html>"""


@pytest.mark.parametrize("charset", ["utf-8", "gbk"])
def test_html_main_text_without_menus(tmp_path: Path, charset: str) -> None:
    page = ARTICLE_HTML.format(charset=charset)
    doc = read_path(write(tmp_path, "page.html", page.encode(charset)))
    assert "听取审议专项工作报告十二项。\n加强代表工作" in doc.raw  # paragraph break kept
    for menu in ("网站首页", "新闻中心", "版权所有"):
        assert menu not in doc.raw
    assert doc.source_format == "html"
    check_document(doc)


def test_html_without_body_text(tmp_path: Path) -> None:
    page = ("<html><head><title>t</title><script>var x = 1;</script></head>"
            "<body><nav><a href='/'>首页</a></nav></body></html>")
    with pytest.raises(InputError, match="no body text"):
        read_path(write(tmp_path, "empty.htm", page.encode()))


def test_streamed_html_keeps_every_paragraph_as_a_line_and_leaves_page_furniture_out() -> None:
    """The road for pages over 5 MB or nested deeper than lxml builds trees: no tree, no boilerplate
    scoring, so a link bar in a plain <div> stays (trafilatura drops it); nav/header/footer do not."""
    from policytag.read import _html_text_streamed

    text = _html_text_streamed(ARTICLE_HTML.format(charset="utf-8"), "page.html")
    assert text.split("\n") == [
        "人大概况 | 联系我们", "常委会工作报告", "过去一年，常委会坚持围绕中心依法履职，听取审议专项工作报告十二项。",
        "加强代表工作，完善代表联系群众制度，办理代表建议一百二十件。"]
    page = "<p>人大&amp;政协<br>代表\n  建议 and\n  more</p><p>  </p><ul><li>一</li><li>二</li></ul>"
    assert _html_text_streamed(page, "p.html") == "人大&政协\n代表建议 and more\n一\n二"


def test_document_size_limit_counts_the_text_as_utf8() -> None:
    """Between len(text) and 4 * len(text) bytes the text is measured exactly: 300,000 Chinese
    characters are 0.9 MB of UTF-8 (read), 400,000 are 1.2 MB (refused)."""
    from policytag.read import _check_text_size

    settings = {"max_document_mb": 1}
    _check_text_size("执" * 300_000, "a.txt", settings)
    with pytest.raises(InputError, match=r"^a\.txt: its text, 1\.2 MB of UTF-8, is larger than read\.max_document_mb"):
        _check_text_size("执" * 400_000, "a.txt", settings)
    with pytest.raises(InputError, match=r"^b\.txt: file of 1\.2 MB is larger than read\.max_document_mb = 1 "):
        read_bytes(("执" * 400_000).encode(), "b.txt", {"read": {"max_document_mb": 1}})
    assert read_bytes(("执" * 300_000).encode(), "c.txt", {"read": {"max_document_mb": 1}}).raw == "执" * 300_000


# ---------------------------------------------------------------------------- input lists
def test_iter_paths(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    names = ["a.txt", "b.md", "c.pdf", "skip.zip", "sub/d.docx", "sub/e.HTML", "sub/.hidden.txt", "sub/~$lock.docx"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    found = [Path(p).relative_to(tmp_path).as_posix() for p in iter_paths([str(tmp_path)])]
    assert found == ["a.txt", "b.md", "c.pdf", "sub/d.docx", "sub/e.HTML"]
    assert iter_paths([str(tmp_path / "*.txt"), "-", str(tmp_path / "skip.zip"), str(tmp_path / "a.txt")]) == [
        str(tmp_path / "a.txt"), "-", str(tmp_path / "skip.zip")]
    assert iter_paths([str(tmp_path / "s*")]) == [str(tmp_path / "skip.zip"), str(tmp_path / "sub/d.docx"),
                                                  str(tmp_path / "sub/e.HTML")]
    assert iter_paths([str(tmp_path)], extensions={".zip"}) == [str(tmp_path / "skip.zip")]
    assert {".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".doc", ".wps", ".rtf",
            ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"} == SUPPORTED


def test_a_folder_walk_leaves_no_reference_cycle(tmp_path: Path) -> None:
    """``policytag tag`` scans with the cyclic collector off and then freezes what start-up left
    (``policytag.cli.start_up_done``): a cycle made by the walk would keep every path it found for the
    whole run, ≈120 bytes an input (issue 13). Everything it leaves must go by reference counting."""
    for name in ["a.txt", "sub/b.txt", "sub/deeper/c.txt", "other/d.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub" / "up").symlink_to(tmp_path / "other", target_is_directory=True)  # a folder inside: walked once
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        found = iter_paths([str(tmp_path)], follow_links=True)
        left = cyclic_garbage()
    finally:
        if enabled:
            gc.enable()
    # (other tests' threads may leave garbage of their own meanwhile: only the walk's paths are asked about)
    assert not [o for o in left if isinstance(o, list) and set(found) & {x for x in o if isinstance(x, str)}]
    assert [Path(p).relative_to(tmp_path).as_posix() for p in found] == [
        "a.txt", "other/d.txt", "sub/b.txt", "sub/deeper/c.txt"]


def cyclic_garbage() -> list[object]:
    """What the cyclic collector finds unreachable now (handed back for inspection, not kept)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


# ---------------------------------------------------------------------------- pre-cut paragraphs
def test_precut_jsonl_with_a_malformed_line(tmp_path: Path) -> None:
    rows = [
        json.dumps({"id": "p1", "text": "報告(bào)工作１２項", "year": 2021}, ensure_ascii=False),
        '{"id": "p2", "text": "broken',
        "",
        json.dumps({"text": "加强代表工作", "doc_id": "county-2020"}, ensure_ascii=False),
        json.dumps({"id": "p4", "text": "   "}),
        json.dumps(["not", "an", "object"]),
    ]
    path = write(tmp_path, "paras.jsonl", "\n".join(rows).encode())
    items = list(read_precut(path, "jsonl"))
    assert [type(i).__name__ for i in items] == ["Paragraph", "InputError", "Paragraph", "InputError", "InputError"]
    first, bad, second, empty, not_object = items
    assert isinstance(first, Paragraph) and isinstance(second, Paragraph)
    assert first.text == "报告工作12项"
    raw = "報告(bào)工作１２項"
    assert raw[first.start : first.end] == raw and first.body.offsets.tolist() == [0, 1, 7, 8, 9, 10, 11]
    assert first.extra == {"id": "p1", "year": 2021}
    assert first.doc_id.startswith("paras.jsonl#") and first.path == str(path)
    assert second.doc_id == "county-2020" and second.extra["id"] == 4
    assert isinstance(bad, InputError) and bad.line == 2 and "not valid JSON" in bad.message
    assert isinstance(empty, InputError) and empty.line == 5 and "empty" in empty.message
    assert isinstance(not_object, InputError) and not_object.line == 6


def test_precut_csv(tmp_path: Path) -> None:
    data = "id\tdoc\ttext\n1\tA\t常委会听取报告\n2\tA\t\n".encode("utf-8-sig")
    items = list(read_precut(write(tmp_path, "p.tsv", data), "csv"))
    assert isinstance(items[0], Paragraph) and items[0].text == "常委会听取报告"
    assert items[0].doc_id == "A" and items[0].extra == {"id": "1"}
    assert isinstance(items[1], InputError) and items[1].line == 3


def test_precut_csv_without_the_text_column(tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", "id,content\n1,常委会听取报告\n".encode())
    with pytest.raises(InputError, match=r"no 'text' column \(columns found: id, content\)"):
        list(read_precut(path, "csv"))
    items = list(read_precut(path, "csv", text_field="content"))
    assert isinstance(items[0], Paragraph) and items[0].text == "常委会听取报告"


def test_precut_from_stdin_and_bad_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO('{"text": "依法履职"}\n'.encode())))
    items = list(read_precut("-", "jsonl"))
    assert isinstance(items[0], Paragraph) and items[0].doc_id.startswith("stdin#") and items[0].path == "-"
    with pytest.raises(ConfigError):
        list(read_precut("-", "xml"))


def test_read_stdin_sniffs_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(make_pdf(PDF_PAGES))))
    assert read_stdin().source_format == "pdf"


# ---------------------------------------------------------------------------- real reports
def test_every_seed_reads_with_a_correct_offset_map(seeds_dir: Path) -> None:
    seeds = sorted(seeds_dir.glob("*.txt"))
    assert seeds
    for path in seeds:
        doc = read_path(path, load_config())
        assert len(doc.norm.text) > 100
        check_document(doc)


@pytest.mark.parametrize("sample_bytes", [1000, 1001, 1002, 1003])
def test_detection_sample_cut_inside_a_character(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 sample_bytes: int) -> None:
    import policytag.read

    monkeypatch.setattr(policytag.read, "_DETECT_BYTES", sample_bytes)
    text = TEXT.replace("\n", "") * 20  # no line breaks, ~4 KB: detection sees only the first KB
    doc = read_path(write(tmp_path, "gbk.txt", text.encode("gbk")))
    assert doc.raw == text and doc.meta["encoding"] == "gb18030"


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    docx = make_docx(tmp_path_factory.mktemp("docx") / "a.docx").read_bytes()
    return {"a.pdf": make_pdf(PDF_PAGES), "a.docx": docx, "a.html": ARTICLE_HTML.format(charset="utf-8").encode(),
            "a.txt": TEXT.encode("gbk")}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["a.pdf", "a.docx", "a.html", "a.txt"]), cut=st.floats(0, 1),
       flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8))
@example(name="a.html", cut=0.5078125, flips=[(0.25, 1)])  # a control byte in the markup (found in CI)
def test_damaged_files_give_input_errors_not_tracebacks(sample_files: dict[str, bytes], name: str, cut: float,
                                                         flips: list[tuple[float, int]]) -> None:
    data = bytearray(sample_files[name][: max(1, int(len(sample_files[name]) * cut))])
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    try:
        doc = read_bytes(bytes(data), name)
    except InputError as exc:
        assert exc.source == name
    else:
        check_document(doc)


def test_short_big5_file_is_not_taken_for_shift_jis(tmp_path) -> None:
    # a few dozen Big5 bytes: the detector alone guesses a Japanese codec
    path = tmp_path / "short_big5.txt"
    path.write_bytes("常委會組織執法檢\n查３次，推進「雙聯」工作。\n".encode("big5"))
    doc = read_path(path)
    assert "雙聯" in doc.raw
    assert "双联" in doc.norm.text


def test_html_with_control_characters_is_read(tmp_path) -> None:
    # a damaged page: a control byte inside the markup must not become a traceback
    page = "<html><body><p>常委会开展执法检查\x01，听取专项工作报告。</p></body></html>"
    path = tmp_path / "damaged.html"
    path.write_bytes(page.encode("utf-8"))
    doc = read_path(path)
    assert "执法检查" in doc.norm.text and "\x01" not in doc.raw


def test_read_checks_ocr_modes_without_importing_pdf():
    # read keeps its own copy so that reading a .txt does not import the PDF/OCR stack
    from policytag import pdf, read

    assert read.OCR_MODES == pdf.OCR_MODES


@given(st.lists(st.sampled_from(["a", "b.txt", ".", "..", "", ".md", "x.", "c.tar.gz", "D.DOCX", "-"]), max_size=4))
def test_file_name_and_suffix_are_those_of_pathlib(parts: list[str]) -> None:
    from policytag.read import _base_name, _suffix

    for name in ("/".join(parts), "/".join(parts) + "/", "/" + "/".join(parts)):
        assert _base_name(name) == Path(name).name
        assert _suffix(_base_name(name)) == Path(name).suffix


def test_the_ole2_signature_is_the_one_of_office() -> None:
    from policytag import office, read

    assert read._OLE2 == office.OLE2  # read keeps its own copy so reading text never imports office.py
