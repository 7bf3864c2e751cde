"""``policytag report``: a self-contained page; checked as markup, as data and in a real headless browser.

The browser tests run at two sizes: the five-document fixture (every paragraph drawn at once) and
500 generated documents (drawn as they are opened, searched a batch at a time). How fast the
large page opens is measured in ``bench/bench_report.py``; here only what it draws is checked.
"""

from __future__ import annotations

import base64
import html
import io
import json
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
from policytag.errors import ConfigError
from policytag.palette import NONE_LABEL

LEXICON = """\
- term: 票决制
  category: 代表工作
  variants: [代表票决制]
  definition: 由代表投票<决定>实事项目。
  since: 2017
"""
INJECTED = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'


def _records() -> list[dict]:
    records = make_records()
    records[1]["text"] = records[1]["text"] + INJECTED  # must come out as text, never as markup
    return records


@pytest.fixture()
def page(tmp_path: Path) -> Path:
    tagged = write_jsonl(tmp_path / "tagged.jsonl", _records())
    (tmp_path / "lex.yaml").write_text(LEXICON, encoding="utf-8")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", str(tagged), "-o", str(out), "--lexicon", str(tmp_path / "lex.yaml"),
                                      "--title", "<b>甲</b> 报告"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def page_data(text: str) -> dict:
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S)
    assert block, "the page has no data block"
    return json.loads(block.group(1))


def test_page_is_self_contained_and_escaped(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # nothing fetched from the network
    assert "<link" not in text and "<script src" not in text
    assert "<img" not in text and 'document.title="pwned"' not in text  # the injected markup is not markup
    assert "\\u003cimg src=x" in text  # ... but JSON text the script shows with textContent
    assert "<title>&lt;b&gt;甲&lt;/b&gt; 报告</title>" in text  # Jinja2 autoescapes what the page is given
    assert text.count("<svg") >= 2  # both charts inline


def test_data_carries_paragraphs_scores_and_definitions(page: Path) -> None:
    data = page_data(page.read_text(encoding="utf-8"))
    paragraphs = [p for doc in data["docs"] for p in doc["paras"]]
    assert len(paragraphs) == len(make_records())
    assert data["labels"][-1] == NONE_LABEL
    supervised = next(p for p in paragraphs if p[0].startswith("围绕营商环境"))
    assert [data["labels"][i] for i in supervised[4]] == ["监督"]
    assert supervised[5][data["labels"].index("监督")] == 90  # score in percent
    terms = {t[0]: t for t in data["terms"]}
    assert terms["票决制"][1:] == ["代表工作", "由代表投票<决定>实事项目。", 2017]
    spans = [(p[0][a:b], data["terms"][k][0]) for p in paragraphs for a, b, k in zip(*[iter(p[6])] * 3, strict=True)]
    assert ("代表票决制", "票决制") in spans
    assert len(spans) == sum(len(r["terms"]) for r in make_records())


def test_documents_are_named_and_sorted_naturally() -> None:
    records = []
    for n in (10, 2, 1):
        for r in make_records()[:2]:
            records.append({**r, "doc_id": f"x_{n}.txt#{n}", "path": f"in/报告_{n}.txt", "meta": {}})
    records.append({**make_records()[0], "doc_id": "y#1", "path": "in/y.txt",
                    "meta": {"place": "甲市", "year": 2019, "title": "甲市人大常委会工作报告"}})
    frame = _frame(records)
    data = page_data(report.build_report(frame, charts=False))
    assert [d["name"] for d in data["docs"]] == ["甲市 2019 · 甲市人大常委会工作报告", "报告_1", "报告_2", "报告_10"]


def _frame(records: list[dict]):  # noqa: ANN202
    import pandas as pd

    return stats.normalize(pd.DataFrame([stats._flat_meta(dict(r)) for r in records]))


def test_terms_found_by_surface_when_offsets_do_not_fit() -> None:
    spans = report._locate("甲乙双联丙双联", [{"term": "双联", "canonical": "双联", "start": 999},
                                          {"term": "双联", "canonical": "双联"}], 0)
    assert [(s, e) for s, e, _ in spans] == [(2, 4), (5, 7)]


def test_no_lexicon_means_no_definitions(tmp_path: Path) -> None:
    assert report.load_definitions(None) == {}
    (tmp_path / "bad.yaml").write_text("terms: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.yaml:\d+: not valid YAML"):  # one loader: broken is an error
        report.load_definitions(tmp_path / "bad.yaml")
    frame = stats.load_tagged([write_jsonl(tmp_path / "t.jsonl", make_records())])
    data = page_data(report.build_report(frame, charts=False))
    assert {t[0]: t[1:] for t in data["terms"]}["票决制"] == ["代表工作", None, None]


def test_embedded_font_covers_every_character_of_the_page(tmp_path: Path) -> None:
    from fontTools.ttLib import TTFont

    frame = stats.load_tagged([write_jsonl(tmp_path / "t.jsonl", _records())])
    text = report.build_report(frame, charts=False, embed_font=True)
    found = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", text)
    assert found, "no embedded font"
    font = TTFont(io.BytesIO(base64.b64decode(found.group(1))))
    cmap = font.getBestCmap()
    shown = "".join(p[0] for doc in page_data(text)["docs"] for p in doc["paras"]) + "".join(page_data(text)["labels"])
    missing = {ch for ch in shown if ord(ch) > 0x2E80 and ord(ch) not in cmap}
    assert not missing
    assert len(cmap) < 3000  # a subset, not the whole collection
    assert 'font-family: "policytag CJK"' in text


# --------------------------------------------------------------------------- real browser


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("chromium is not installed (apt-get install chromium): the page is not checked in a browser")


def browser(url: str, tmp_path: Path, *extra: str, budget: int | None = 5000) -> subprocess.CompletedProcess:
    """Headless Chromium on ``url`` (a fresh profile each time); ``budget`` = virtual ms to let scripts run."""
    profile = tmp_path / "chrome-profile"
    shutil.rmtree(profile, ignore_errors=True)
    args = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
            f"--user-data-dir={profile}", *([f"--virtual-time-budget={budget}"] if budget else []), *extra, url]
    return subprocess.run(args, capture_output=True, text=True, timeout=180, check=False)


def _shown(dom: str) -> list[str]:
    """data-labels of the paragraphs drawn and not hidden (hidden ones carry `hidden` after the attribute)."""
    return re.findall(r'<div class="para [a-z]+" data-labels="([^"]*)">', dom)


def _marks(dom: str) -> list[dict[str, str]]:
    """Every highlighted term of the paragraphs: its attributes and its text."""
    out = []
    for attrs, text in re.findall(r'<mark class="term" (data-canonical=[^>]*)>([^<]*)</mark>', dom):
        out.append({**dict(re.findall(r'([a-z-]+)="([^"]*)"', attrs)), "text": text})
    return out


def _drawn(dom: str) -> int:
    return len(re.findall(r'<div class="para ', dom))


def test_browser_draws_every_paragraph_of_a_small_page(page: Path, tmp_path: Path) -> None:
    dom = browser(page.as_uri(), tmp_path, "--dump-dom").stdout
    n = len(make_records())
    assert len(_shown(dom)) == n  # script ran, every document open, nothing hidden
    assert f"显示 {n} / {n} 段" in dom
    assert "<title>&lt;b&gt;甲&lt;/b&gt; 报告</title>" in dom  # the injected script did not run
    assert '<img src="x"' not in dom and "&lt;img src=x onerror=" in dom  # the injected markup shown as text
    marks = _marks(dom)
    assert ("票决制", "代表票决制") in {(m["data-canonical"], m["text"]) for m in marks}
    title = html.unescape(next(m["title"] for m in marks if m["text"] == "代表票决制"))
    assert "类别：代表工作" in title and "释义：由代表投票<决定>实事项目。" in title
    assert re.search(r'<span class="badge" [^>]*data-label="监督"[^>]*>监督<span class="score">90</span>', dom)


def test_browser_applies_the_label_filter_from_the_address(page: Path, tmp_path: Path) -> None:
    dom = browser(page.as_uri() + "#label=" + quote("监督"), tmp_path, "--dump-dom").stdout
    visible = _shown(dom)
    expected = [r for r in make_records() if "监督" in r["labels"]]
    assert len(visible) == len(expected) > 0
    assert all("监督" in labels.split("|") for labels in visible)
    assert _drawn(dom) - len(visible) == len(make_records()) - len(expected)  # the rest: drawn but hidden
    assert f"显示 {len(expected)} / {len(make_records())} 段" in dom


def test_browser_searches_text_and_terms(page: Path, tmp_path: Path) -> None:
    dom = browser(page.as_uri() + "#q=" + quote("专题询问"), tmp_path, "--dump-dom").stdout
    results = re.search(r'<div id="results">(.*?)</div>\s*<div id="documents" hidden', dom, re.S)
    assert results, "the search results are not shown"
    hits = [r for r in make_records() if "专题询问" in r["text"]]
    assert f"全文“专题询问”：{len(hits)} 段" in results.group(1)
    assert results.group(1).count('<mark class="hit">') == sum(r["text"].count("专题询问") for r in hits)
    dom = browser(page.as_uri() + "#term=" + quote("票决制"), tmp_path, "--dump-dom").stdout
    with_term = [r for r in make_records() if any(t["canonical"] == "票决制" for t in r["terms"])]
    assert f"政策词语“票决制”：{len(with_term)} 段" in dom  # 代表票决制 counts: a variant of the term


def test_browser_page_survives_a_malformed_address(page: Path, tmp_path: Path) -> None:
    dom = browser(page.as_uri() + "#label=%E0%A4%A", tmp_path, "--dump-dom").stdout
    assert len(_shown(dom)) == len(make_records())  # the filter is ignored, the script ran on
    assert f"显示 {len(make_records())} / {len(make_records())} 段" in dom


def test_browser_screenshot_is_drawn(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    result = browser(page.as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1000,1400")
    assert shot.is_file(), result.stderr[-500:]
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("L"))
    assert len(np.unique(pixels)) > 20  # a real page, not a blank canvas


def test_one_colour_per_category_with_legend_and_definitions(tmp_path: Path) -> None:
    records = make_records()
    cats = ["经济/营商环境", "生态环保", "<b>民生</b>", *(f"类别{i}" for i in range(12))]
    for r in records:
        for i, t in enumerate(r["terms"]):
            t["category"] = cats[(r["index"] + i) % len(cats)]
    records[1]["terms"][0]["category"] = "<b>民生</b>"
    frame = stats.load_tagged([write_jsonl(tmp_path / "t.jsonl", records)])
    page = report.build_report(frame, charts=False,
                               categories={"生态环保": "生态环境保护<与>治理", "经济/营商环境": ""})
    legend = page[page.index('<div id="legend">'):]
    legend = legend[: legend.index("</div>")]
    used = {t["category"] for r in records for t in r["terms"]}
    assert legend.count("<li>") == len(used) and "生态环境保护&lt;与&gt;治理" in legend
    assert legend.index("生态环保") < legend.index("经济/营商环境")  # the lexicon's order first
    assert "&lt;b&gt;民生&lt;/b&gt;" in legend and "<b>民生</b>" not in page  # names are escaped
    colours = page_data(page)["colors"]
    assert len({colours[c][0] for c in used}) == len(used)  # told apart, fifteen categories and all
    swatches = dict(re.findall(r'style="--c:(#[0-9A-Fa-f]{6})">([^<]*)</mark>', legend))
    assert sorted(swatches.values()) == sorted(html.escape(c, quote=False) for c in used)


def test_report_lexicon_goes_through_the_one_loader(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 12 item 9: an alias bomb or broken YAML given to report --lexicon is refused at once (exit 2)."""
    from policytag.cli import main

    tagged = write_jsonl(tmp_path / "t.jsonl", make_records())
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                    "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n", encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("- term: [unclosed\n", encoding="utf-8")
    for lexicon, message in ((bomb, "bomb.yaml:1: YAML anchors and aliases"),
                             (broken, "broken.yaml:2: not valid YAML")):
        out = tmp_path / "r.html"
        with pytest.raises(SystemExit) as exc:
            main(["report", str(tagged), "-o", str(out), "--lexicon", str(lexicon)])
        assert exc.value.code == 2 and not out.exists()
        assert message in capsys.readouterr().err


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


# --------------------------------------------------------------------------- 500 documents

PHRASES = ["常委会围绕中心工作依法开展监督", "审议通过地方性法规草案", "组织代表开展专题视察", "加强机关自身建设",
           "依法任免国家机关工作人员", "推进民生实事项目票决制"]
LABELS = ["监督", "立法", "代表工作", "自身建设", "决定任免", "代表工作"]


def large_records(docs: int = 500, paragraphs: int = 40) -> list[dict]:
    """``docs`` generated reports of ``paragraphs`` paragraphs (about 6,000 characters each)."""
    records = []
    for d in range(docs):
        offset = 0
        for i in range(paragraphs):
            k = (d + i) % len(PHRASES)
            text = "；".join(PHRASES[(k + j) % len(PHRASES)] for j in range(6)) + f"，第{d}号报告第{i}段。"
            terms = [{"term": "票决制", "canonical": "票决制", "category": "代表工作", "quoted": False,
                      "start": offset + text.index("票决制"), "end": offset + text.index("票决制") + 3}]
            records.append({"doc_id": f"gen_{d}.txt#{d:04x}", "path": f"gen/gen_{d}.txt", "index": i, "text": text,
                            "start": offset, "end": offset + len(text), "section": ["一、工作回顾"],
                            "is_heading": False, "is_glossary": False, "period": "review",
                            "meta": {"place": f"第{d % 50}市", "year": 2000 + d // 50, "title": "工作报告"},
                            "labels": [LABELS[k]], "scores": {LABELS[k]: 0.8}, "terms": terms})
            offset += len(text) + 1
    return records


@pytest.fixture(scope="module")
def large_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("large")
    tagged = write_jsonl(folder / "tagged.jsonl", large_records())
    out = folder / "report.html"
    result = CliRunner().invoke(cli, ["report", str(tagged), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_large_page_draws_only_what_is_open(large_page: Path, tmp_path: Path) -> None:
    dom = browser(large_page.as_uri(), tmp_path, "--dump-dom").stdout
    assert dom.count('<details class="doc"') == 500
    assert _drawn(dom) == 40  # the first document only: the other 499 wait until opened
    assert len(re.findall(r"<[a-z]", dom)) < 15_000  # elements: not ~8 per paragraph (160,000 drawn at once)
    assert "显示 20000 / 20000 段" in dom
    html_tag = re.search(r"<html[^>]*>", dom).group(0)
    assert re.search(r'data-ready-ms="\d+"', html_tag) and "loading" not in html_tag  # drawn, then shown
    assert dom.count('<tr class="more">') == 500 - report.OVERVIEW_ROWS and "显示全部 500 份文档" in dom
    dom = browser(large_page.as_uri() + "#doc=250", tmp_path, "--dump-dom").stdout
    assert _drawn(dom) == 80  # the first and the one asked for
    tag = re.search(r'<details class="doc" id="doc-250"[^>]*>', dom).group(0)
    assert 'open=""' in tag and 'data-rendered="1"' in tag


@pytest.mark.slow
def test_large_page_search_shows_hits_a_batch_at_a_time(large_page: Path, tmp_path: Path) -> None:
    dom = browser(large_page.as_uri() + "#q=" + quote("第7号报告"), tmp_path, "--dump-dom").stdout
    assert "全文“第7号报告”：40 段，1 份文档" in dom
    dom = browser(large_page.as_uri() + "#term=" + quote("票决制"), tmp_path, "--dump-dom").stdout
    assert "政策词语“票决制”：20000 段，500 份文档" in dom
    results = re.search(r'<div id="results">(.*?)</div>\s*<div id="documents" hidden', dom, re.S).group(1)
    assert _drawn(results) == 100 and "再显示 100 段（共 20000 段）" in results
