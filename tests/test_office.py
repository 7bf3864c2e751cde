"""office: .doc/.wps through LibreOffice, .rtf through striprtf, the content deciding over the name.

The .doc, .wps and LibreOffice-written .rtf fixtures are made here, at test time, by
LibreOffice from a .docx written with our own text (tests that need it skip when
soffice is not installed; CI installs libreoffice-writer-nogui).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from policytag import office
from policytag.config import load_config
from policytag.errors import InputError
from policytag.read import read_bytes, read_path

PARAGRAPHS = ["某县人大常委会工作报告", "一、过去一年的主要工作",
              "常委会坚持依法履职，听取审议专项工作报告十二项，开展执法检查四次。"]
TABLE = [["项目", "数量"], ["代表建议", "120"]]
EXPECTED = "\n".join([*PARAGRAPHS[:2], "项目\t数量", "代表建议\t120", PARAGRAPHS[2]])
NO_SOFFICE = "LibreOffice (soffice) not installed: apt-get install libreoffice-writer-nogui"
needs_soffice = pytest.mark.skipif(office.soffice() is None, reason=NO_SOFFICE)


def make_docx(path: Path) -> Path:
    from docx import Document

    d = Document()
    for text in PARAGRAPHS[:2]:
        d.add_paragraph(text)
    table = d.add_table(rows=2, cols=2)
    for i, row in enumerate(TABLE):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    d.add_paragraph(PARAGRAPHS[2])
    d.save(path)
    return path


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The test .docx converted by LibreOffice to Word 97 (.doc) and to RTF."""
    if office.soffice() is None:
        pytest.skip(NO_SOFFICE)
    tmp = tmp_path_factory.mktemp("office")
    source = make_docx(tmp / "report.docx")
    out: dict[str, bytes] = {}
    for fmt, filt in (("doc", "doc:MS Word 97"), ("rtf", "rtf")):
        subprocess.run([office.soffice(), f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless",
                        "--convert-to", filt, "--outdir", str(tmp), str(source)],
                       check=True, capture_output=True, timeout=180)
        out[fmt] = (tmp / f"report.{fmt}").read_bytes()
    return out


# ---------------------------------------------------------------------------- .doc / .wps
@needs_soffice
def test_word97_doc_reads_like_the_docx(converted: dict[str, bytes]) -> None:
    assert converted["doc"].startswith(office.OLE2)
    doc = read_bytes(converted["doc"], "report.doc")
    assert doc.raw == EXPECTED and doc.source_format == "doc"
    assert doc.norm.text == EXPECTED


@needs_soffice
def test_wps_file_is_read_through_libreoffice(converted: dict[str, bytes]) -> None:
    # WPS Writer saves .wps as an OLE2 file in Word's binary format; this one was made from our text
    doc = read_bytes(converted["doc"], "report.wps")
    assert doc.raw == EXPECTED and doc.source_format == "wps"


@needs_soffice
def test_corrupt_doc_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.doc"
    path.write_bytes(office.OLE2 + b"\x00" * 600 + b"not really a compound file" * 20)
    with pytest.raises(InputError, match="broken.doc: LibreOffice could not convert this Word 97") as info:
        read_path(path)
    assert "\n" not in str(info.value)


def test_doc_without_libreoffice_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "soffice", lambda: None)
    with pytest.raises(InputError, match=r"old.doc: reading Word 97 \(.doc\) files needs LibreOffice: install "
                                         r"LibreOffice \(Debian/Ubuntu: apt-get install libreoffice-writer-nogui"):
        read_bytes(office.OLE2 + b"\x00" * 512, "old.doc")
    with pytest.raises(InputError, match=r"old.wps: reading WPS \(.wps\) files needs LibreOffice"):
        read_bytes(office.OLE2 + b"\x00" * 512, "old.wps")


def fake_soffice(tmp_path: Path, script: str) -> str:
    path = tmp_path / "soffice"
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def test_a_hanging_conversion_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYTAG_SOFFICE", fake_soffice(tmp_path, "sleep 60"))
    config = load_config(None, {"read.office_timeout": 1})
    with pytest.raises(InputError, match=r"slow.doc: LibreOffice did not finish converting this Word 97 \(.doc\) "
                                         r"file within 1 s"):
        read_bytes(office.OLE2 + b"\x00" * 512, "slow.doc", config)


def test_a_conversion_without_output_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYTAG_SOFFICE", fake_soffice(tmp_path, "echo 'Error: source file could not be loaded' >&2"))
    with pytest.raises(InputError, match="could not convert .*: Error: source file could not be loaded"):
        read_bytes(office.OLE2 + b"\x00" * 512, "x.doc")


def test_encrypted_office_file_is_named_as_such() -> None:
    data = office.OLE2 + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 100
    with pytest.raises(InputError, match="secret.docx: encrypted"):
        read_bytes(data, "secret.docx")


# ---------------------------------------------------------------------------- .rtf
@needs_soffice
def test_rtf_written_by_libreoffice(converted: dict[str, bytes]) -> None:
    assert converted["rtf"].startswith(office.RTF)
    assert read_bytes(converted["rtf"], "report.rtf").raw == EXPECTED


GBK_RTF = (rb"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 \'cb\'ce\'cc\'e5;}}"
           rb"{\*\generator Test;}\f0\fs24 \'b3\'a3\'ce\'af\'bb\'e1\'b9\'a4\'d7\'f7\'b1\'a8\'b8\'e6\par "
           rb"\uc1\u24320?\u23637?\u25191?\u27861?\u26816?\u26597?\u12290?\par "
           rb"{\pict\pngblip 89504e470d0a1a0a0000000d4948445200000001}"
           rb"\trowd\cellx2000\cellx4000 \'cf\'ee\'c4\'bf\cell 12\cell\row "
           rb"\u-10174?\u-8265?\par}")


def test_rtf_code_page_unicode_escapes_tables_and_pictures() -> None:
    doc = read_bytes(GBK_RTF, "report.rtf")
    # GBK bytes (\'xx), \uN escapes, a table row as cells joined by a tab, the picture left out,
    # and a surrogate pair (U+20BB7 𠮷) put back together
    assert doc.raw == "常委会工作报告\n开展执法检查。\n项目\t12\n\U00020bb7"
    assert doc.source_format == "rtf"


def test_big5_rtf() -> None:
    data = ("{\\rtf1\\ansi\\ansicpg950{\\fonttbl{\\f0\\fcharset136 x;}}\\f0 "
            + "".join(f"\\'{b:02x}" for b in "常務委員會".encode("cp950")) + "\\par}").encode("ascii")
    doc = read_bytes(data, "trad.rtf")
    assert doc.raw == "常務委員會" and doc.norm.text == "常务委员会"


def test_truncated_rtf_still_reads_what_is_there() -> None:
    cut = GBK_RTF[: GBK_RTF.index(b"\\uc1") + 30]  # braces left open, an escape cut in half
    assert read_bytes(cut, "cut.rtf").raw.startswith("常委会工作报告\n开展")


# ---------------------------------------------------------------------------- names that lie
def test_a_doc_that_is_rtf_is_read_as_rtf() -> None:
    assert read_bytes(GBK_RTF, "report.doc").source_format == "rtf"


def test_a_doc_that_is_a_docx_is_read_as_docx(tmp_path: Path) -> None:
    data = make_docx(tmp_path / "x.docx").read_bytes()
    doc = read_bytes(data, "renamed.doc")
    assert doc.source_format == "docx" and doc.raw == EXPECTED


def test_a_doc_that_is_a_web_page_is_read_as_html() -> None:
    page = ("<html><head><meta charset='utf-8'></head><body><p>常委会坚持依法履职，听取审议专项工作报告十二项。</p>"
            "<p>加强代表工作，办理代表建议一百二十件。</p></body></html>")
    doc = read_bytes(page.encode(), "saved_from_word.doc")
    assert doc.source_format == "html" and "听取审议专项工作报告十二项" in doc.raw


def test_a_doc_that_is_plain_text_is_read_as_text() -> None:
    doc = read_bytes("常委会开展执法检查。\n".encode("gbk"), "plain.doc")
    assert doc.source_format == "txt" and doc.raw == "常委会开展执法检查。\n"


def test_ole2_without_extension_is_sniffed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "soffice", lambda: None)
    with pytest.raises(InputError, match="needs LibreOffice"):
        read_bytes(office.OLE2 + b"\x00" * 512, "-")


@needs_soffice
def test_cli_folder_with_doc_rtf_and_txt(tmp_path: Path, converted: dict[str, bytes]) -> None:
    import json
    import sys

    (tmp_path / "a.doc").write_bytes(converted["doc"])
    (tmp_path / "b.rtf").write_bytes(GBK_RTF)
    (tmp_path / "c.txt").write_text("常委会开展专题询问。\n", encoding="utf-8")
    result = subprocess.run([str(Path(sys.executable).with_name("policytag")), "tag", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    paths = {Path(json.loads(line)["path"]).name for line in result.stdout.splitlines()}
    assert paths == {"a.doc", "b.rtf", "c.txt"}
