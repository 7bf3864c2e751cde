"""``policytag report``: a self-contained page; checked as markup and in a real headless browser."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from test_stats import make_records, write_jsonl

from policytag import report, stats
from policytag.cli import cli

LEXICON = """\
- term: 票决制
  category: 代表工作
  variants: [代表票决制]
  definition: 由代表投票<决定>实事项目。
  since: 2017
"""


@pytest.fixture()
def page(tmp_path: Path) -> Path:
    records = make_records()
    records[1]["text"] = records[1]["text"] + "<script>alert(1)</script>"  # must come out as text
    tagged = write_jsonl(tmp_path / "tagged.jsonl", records)
    (tmp_path / "lex.yaml").write_text(LEXICON, encoding="utf-8")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", str(tagged), "-o", str(out), "--lexicon", str(tmp_path / "lex.yaml")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def test_page_is_self_contained_and_escaped(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # nothing fetched from the network
    assert "<link" not in text and "<script src" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert(1)" not in text
    assert text.count("<svg") >= 2  # both charts inline
    assert text.count('class="para ') == len(make_records())


def test_terms_are_highlighted_with_definition_on_hover(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    marks = re.findall(r'<mark class="term" data-canonical="([^"]*)"[^>]*title="([^"]*)">([^<]*)</mark>', text)
    assert ("票决制", "代表票决制") in {(c, s) for c, _, s in marks}
    title = html.unescape(next(t for c, t, s in marks if s == "代表票决制"))
    assert "类别：代表工作" in title and "释义：由代表投票<决定>实事项目。" in title
    expected = sum(len(r["terms"]) for r in make_records())
    assert len(marks) == expected


def test_terms_found_by_surface_when_offsets_do_not_fit() -> None:
    spans = report._locate("甲乙双联丙双联", [{"term": "双联", "canonical": "双联", "start": 999},
                                          {"term": "双联", "canonical": "双联"}], 0)
    assert [(s, e) for s, e, _ in spans] == [(2, 4), (5, 7)]


def test_no_lexicon_means_no_definitions(tmp_path: Path) -> None:
    assert report.load_definitions(None) == {}
    frame = stats.load_tagged([write_jsonl(tmp_path / "t.jsonl", make_records())])
    page = report.build_report(frame, charts=False)
    assert 'title="票决制\n类别：代表工作"' in page


# --------------------------------------------------------------------------- real browser


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("chromium is not installed (apt-get install chromium): the page is not checked in a browser")


def _browser(url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    args = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'chrome-profile'}", "--virtual-time-budget=2000", *extra, url]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def _visible_paragraphs(dom: str) -> list[str]:
    return re.findall(r'<div class="para [a-z]+" data-labels="([^"]*)">', dom)


def test_browser_renders_every_paragraph(page: Path, tmp_path: Path) -> None:
    dom = _browser(page.as_uri(), tmp_path, "--dump-dom").stdout
    assert "产生十件实事" in dom and "物业管理条例" in dom
    assert len(_visible_paragraphs(dom)) == len(make_records())  # script ran, nothing hidden
    assert f"显示 {len(make_records())} / {len(make_records())} 段" in dom
    assert re.search(r'<mark class="term"[^>]*title="[^"]+"', dom)


def test_browser_applies_the_label_filter_from_the_address(page: Path, tmp_path: Path) -> None:
    dom = _browser(page.as_uri() + "#label=" + quote("监督"), tmp_path, "--dump-dom").stdout
    visible = _visible_paragraphs(dom)  # hidden paragraphs carry a `hidden` attribute after the class
    expected = [r for r in make_records() if "监督" in r["labels"]]
    assert len(visible) == len(expected) > 0
    assert all("监督" in labels.split("|") for labels in visible)
    assert dom.count('data-labels="') - len(visible) == len(make_records()) - len(expected)  # the rest: hidden
    assert f"显示 {len(expected)} / {len(make_records())} 段" in dom


def test_browser_page_survives_a_malformed_address(page: Path, tmp_path: Path) -> None:
    dom = _browser(page.as_uri() + "#label=%E0%A4%A", tmp_path, "--dump-dom").stdout
    assert len(_visible_paragraphs(dom)) == len(make_records())  # the filter is ignored, the script ran on
    assert f"显示 {len(make_records())} / {len(make_records())} 段" in dom


def test_browser_screenshot_is_drawn(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    result = _browser(page.as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1000,1400")
    assert shot.is_file(), result.stderr[-500:]
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("L"))
    assert len(np.unique(pixels)) > 20  # a real page, not a blank canvas


def test_report_lexicon_is_loaded_like_every_lexicon_broken_yaml_is_an_error(tmp_path: Path) -> None:
    from test_robustness import run_cli

    tagged = write_jsonl(tmp_path / "t.jsonl", make_records())
    (tmp_path / "bad.yaml").write_text("- term: [unclosed\n", encoding="utf-8")
    for args in (["report", str(tagged), "-o", str(tmp_path / "r.html")], ["tag", str(tagged), "--input-format",
                                                                           "jsonl", "-o", str(tmp_path / "o.jsonl")]):
        code, _, stderr = run_cli(*args, "--lexicon", str(tmp_path / "bad.yaml"))
        assert code == 2
        assert re.search(r"error: .*bad\.yaml:\d+: not valid YAML", stderr), stderr
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "o.jsonl").exists()
