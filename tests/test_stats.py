"""``policytag stats``: counts agree with an independent count, every format round-trips."""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from policytag import stats
from policytag.cli import cli, main
from policytag.config import load_config
from policytag.write import flatten

# (doc_id, place, province, level, year, paragraphs); a paragraph is
# (text, labels, [(surface, canonical, category)], kind) with kind "" | "heading" | "glossary".
DOCS = [
    ("jia-2019", "甲市", "乙省", "市", 2019, [
        ("一、过去一年的主要工作", [], [], "heading"),
        ("围绕营商环境开展专题询问，推动整改落实。", ["监督"], [("专题询问", "专题询问", "监督方式")], ""),
        ("制定物业管理条例，完成立法调研。", ["立法"], [], ""),
        ("组织代表视察，开展专题询问和满意度测评。", ["监督", "代表工作"],
         [("专题询问", "专题询问", "监督方式"), ("满意度测评", "满意度测评", "监督方式")], ""),
        ("加强机关党建。", [], [], ""),
    ]),
    ("jia-2021", "甲市", "乙省", "市", 2021, [
        ("首次对民生实事项目实行代表票决制，票决产生十件实事。", ["代表工作"],
         [("代表票决制", "票决制", "代表工作"), ("票决", "票决制", "代表工作")], ""),
        ("专题询问：常委会组成人员就热点问题提问。", ["监督"], [("专题询问", "专题询问", "监督方式")], "glossary"),
        ("听取审议计划执行情况报告。", ["监督"], [], ""),
    ]),
    ("bing-2020", "丙县", "乙省", "县", 2020, [
        ("深化“双联”工作，代表联系群众四百余人次。", ["代表工作"], [("双联", "双联", "代表工作")], ""),
        ("任免国家机关工作人员十二名。", ["决定任免"], [], ""),
    ]),
    ("bing-2022", "丙县", "乙省", "县", 2022, [
        ("坚持“双联”制度，推行民生实事票决制。", ["代表工作"],
         [("双联", "双联", "代表工作"), ("票决制", "票决制", "代表工作")], ""),
        ("开展执法检查，听取专项工作报告。", ["监督"], [("执法检查", "执法检查", "监督方式")], ""),
    ]),
    ("ding-2020", "丁区", "戊省", "区", 2020, [
        ("审查备案规范性文件。", ["监督", "立法"], [], ""),
    ]),
]


SECTIONS = ("一、过去一年的主要工作", "二、今年的主要任务")


def make_records() -> list[dict]:
    """Tagged records in the schema ``policytag tag`` writes (Paragraph.to_dict)."""
    records = []
    for doc_id, place, province, level, year, paragraphs in DOCS:
        offset = 0
        for index, (text, labels, terms, kind) in enumerate(paragraphs):
            spans, cursor = [], 0
            for surface, canonical, category in terms:
                at = text.index(surface, cursor)
                cursor = at + len(surface)
                spans.append({"term": surface, "canonical": canonical, "category": category,
                              "quoted": text[at - 1 : at] == "“", "start": offset + at, "end": offset + cursor})
            records.append({
                "doc_id": doc_id, "path": f"reports/{doc_id}.txt", "index": index, "text": text,
                "start": offset, "end": offset + len(text),
                "section": [] if kind == "heading" else [SECTIONS[index >= 3], "（一）小节"],
                "is_heading": kind == "heading", "is_glossary": kind == "glossary",
                "period": "review" if index < 3 else "plan",
                "meta": {"place": place, "province": province, "level": level, "year": year,
                         "date": f"{year}-01-20", "title": f"{place}人大常委会工作报告"},
                "labels": labels, "scores": {label: 0.9 for label in labels}, "terms": spans,
            })
            offset += len(text) + 1
    return records


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture()
def tagged(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "tagged.jsonl", make_records())


def _expected_labels(records: list[dict], key: str | None) -> dict[tuple, tuple[int, int, int, int]]:
    """(group, label) -> (paragraphs, chars, group paragraphs, group chars), counted in plain Python."""
    out, totals = Counter(), Counter()
    for r in records:
        if r["is_heading"] or r["is_glossary"]:
            continue
        group = r["meta"][key] if key else None
        totals[(group, "p")] += 1
        totals[(group, "c")] += len(r["text"])
        for label in r["labels"] or ["无标签"]:
            out[(group, label, "p")] += 1
            out[(group, label, "c")] += len(r["text"])
    return {(g, lab): (out[(g, lab, "p")], out[(g, lab, "c")], totals[(g, "p")], totals[(g, "c")])
            for (g, lab, kind) in out if kind == "p"}


@pytest.mark.parametrize("key", [None, "place", "year"])
def test_label_counts_match_an_independent_count(tagged: Path, key: str | None) -> None:
    frame = stats.load_tagged([tagged])
    table = stats.label_table(frame, [key] if key else [])
    expected = _expected_labels(make_records(), key)
    got = {}
    for row in table.to_dict("records"):
        group = row[key] if key else None
        if row["paragraphs"]:
            got[(int(group) if key == "year" else group, row["label"])] = (
                row["paragraphs"], row["chars"], row["group_paragraphs"], row["group_chars"])
        assert row["share_paragraphs"] == pytest.approx(row["paragraphs"] / row["group_paragraphs"])
        assert row["share_chars"] == pytest.approx(row["chars"] / row["group_chars"])
    assert got == expected
    weighted = table.groupby(table.columns[0] if key else (lambda _: 0))["share_weighted"].sum()
    assert weighted.to_numpy() == pytest.approx(1.0)


def test_headings_and_glossary_counted_only_on_request(tagged: Path) -> None:
    frame = stats.load_tagged([tagged])
    default = stats.label_table(frame).set_index("label")
    included = stats.label_table(frame, include_headings=True).set_index("label")
    assert default["group_paragraphs"].iloc[0] == len(make_records()) - 2
    assert included["group_paragraphs"].iloc[0] == len(make_records())
    assert included.loc["监督", "paragraphs"] == default.loc["监督", "paragraphs"] + 1  # the glossary entry


def test_term_counts_and_rate_per_10k_chars(tagged: Path) -> None:
    records = make_records()
    table = stats.term_table(stats.load_tagged([tagged]), ["place"])
    for place in ("甲市", "丙县"):
        rows = [r for r in records if r["meta"]["place"] == place]
        chars = sum(len(r["text"]) for r in rows)
        counts = Counter(t["canonical"] for r in rows for t in r["terms"])
        part = table[table["place"] == place].set_index("term")
        assert part["count"].to_dict() == dict(counts)
        for term, n in counts.items():
            assert part.loc[term, "per_10k_chars"] == pytest.approx(n / chars * 10_000)
    jia = table[table["place"] == "甲市"].set_index("term")
    assert jia.loc["票决制", "count"] == 2 and jia.loc["票决制", "paragraphs"] == 1


def test_term_function_cross_table(tagged: Path) -> None:
    table = stats.term_function_table(stats.load_tagged([tagged])).set_index("term")
    # 专题询问: two eligible paragraphs (one 监督, one 监督+代表工作); the glossary entry is out
    assert table.loc["专题询问", "paragraphs"] == 2
    assert table.loc["专题询问", "监督"] == 2 and table.loc["专题询问", "代表工作"] == 1
    assert table.loc["专题询问", "立法"] == 0
    assert table.loc["双联", "代表工作"] == 2


def test_group_by_section_uses_the_top_level_heading(tagged: Path) -> None:
    table = stats.label_table(stats.load_tagged([tagged]), ["section"], include_headings=True)
    got = {(row["section_top"] if isinstance(row["section_top"], str) else "-"): row["group_paragraphs"]
           for row in table.to_dict("records")}
    expected = Counter(r["section"][0] if r["section"] else "-" for r in make_records())
    assert got == dict(expected) and set(expected) == {*SECTIONS, "-"}


def test_first_mention_gives_the_first_year(tagged: Path) -> None:
    table = stats.first_mention_table(stats.load_tagged([tagged]), ["票决制", "双联", "代表票决制", "物业管理"])
    rows = {(r["place"], r["term"]): r for r in table.to_dict("records")}
    assert rows[("甲市", "票决制")]["first_year"] == 2021
    assert rows[("甲市", "票决制")]["y2021"] == 2 and rows[("甲市", "票决制")]["y2019"] == 0
    assert pd.isna(rows[("甲市", "票决制")]["y2020"])  # no 甲市 report that year
    assert rows[("甲市", "票决制")]["first_doc"] == "jia-2021"
    assert rows[("丙县", "票决制")]["first_year"] == 2022
    assert rows[("丙县", "双联")]["first_year"] == 2020 and rows[("丙县", "双联")]["total"] == 2
    assert pd.isna(rows[("甲市", "双联")]["first_year"]) and rows[("甲市", "双联")]["total"] == 0
    assert rows[("甲市", "代表票决制")]["first_year"] == 2021  # a surface form matches too
    assert rows[("甲市", "物业管理")]["matched_by"] == "text" and rows[("甲市", "物业管理")]["first_year"] == 2019
    assert rows[("甲市", "票决制")]["province"] == "乙省"


def _cli(args: list[str]) -> object:
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _main(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str]:
    """Run the real entry point (exit codes, error lines) and return (code, stderr)."""
    with pytest.raises(SystemExit) as exit_:
        main(args)
    return exit_.value.code, capsys.readouterr().err


@pytest.mark.parametrize("ext", ["csv", "xlsx", "parquet", "dta", "json"])
def test_every_output_format_round_trips(tagged: Path, tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"out.{ext}"
    result = _cli(["stats", str(tagged), "-o", str(out), "--by", "place", "--by", "year",
                   "--first-mention", "票决制,双联"])
    assert result.exit_code == 0, result.output
    labels = load_config()["classify"]["labels"]
    expected = stats.compute_stats(stats.load_tagged([tagged]), ["place", "year"], labels,
                                   first_mention=["票决制", "双联"])
    for name, table in expected.items():
        if ext == "csv":
            back = pd.read_csv(tmp_path / f"out_{name}.csv", encoding="utf-8-sig")
        elif ext == "parquet":
            back = pd.read_parquet(tmp_path / f"out_{name}.parquet")
        elif ext == "xlsx":
            back = pd.read_excel(out, sheet_name=name)
        elif ext == "dta":  # Stata has no missing text: "" stands for it
            back = pd.read_stata(tmp_path / f"out_{name}.dta").replace("", None)
        else:
            back = pd.DataFrame(json.loads(out.read_text(encoding="utf-8"))[name])
        back.columns = [str(c) for c in back.columns]
        assert list(back.columns) == list(table.columns)
        pd.testing.assert_frame_equal(_plain(back), _plain(table), check_dtype=False, atol=1e-9)


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """Compare values, not dtypes: every missing value as NaN, numbers as floats."""
    out = table.astype(object).where(table.notna(), None)
    for col in out.columns:
        numbers = pd.to_numeric(out[col], errors="coerce")
        if numbers.notna().sum() == out[col].notna().sum():  # every present value is a number
            out[col] = numbers.astype(float)
    return out.where(out.notna(), None)


def test_csv_is_utf8_with_bom(tagged: Path, tmp_path: Path) -> None:
    _cli(["stats", str(tagged), "-o", str(tmp_path / "s.csv")])
    raw = (tmp_path / "s_labels.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "监督" in raw.decode("utf-8-sig")
    assert sorted(p.name for p in tmp_path.glob("s_*.csv")) == [
        "s_categories.csv", "s_category_function.csv", "s_codebook.csv", "s_labels.csv", "s_term_function.csv",
        "s_terms.csv"]


@pytest.mark.parametrize("ext", ["csv", "xlsx", "parquet"])
def test_reads_tagged_csv_xlsx_parquet_like_jsonl(tmp_path: Path, ext: str) -> None:
    records = make_records()
    path = tmp_path / f"tagged.{ext}"
    if ext == "parquet":
        pd.DataFrame(records).to_parquet(path, index=False)
    else:
        flat = pd.DataFrame([flatten(r, ["监督"]) for r in records])
        if ext == "csv":
            flat.to_csv(path, index=False, encoding="utf-8-sig")
        else:
            flat.to_excel(path, index=False)
    base = stats.compute_stats(stats.load_tagged([write_jsonl(tmp_path / "t.jsonl", records)]), ["place", "year"])
    other = stats.compute_stats(stats.load_tagged([path]), ["place", "year"])
    for name in base:
        if ext != "parquet":  # flat tables keep canonical forms and surfaces, not categories
            base[name] = base[name].drop(columns=["category"], errors="ignore")
            other[name] = other[name].drop(columns=["category"], errors="ignore")
        pd.testing.assert_frame_equal(_plain(other[name]), _plain(base[name]), check_dtype=False)


def test_bad_line_is_reported_and_the_rest_counted(tagged: Path, tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text(tagged.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    code, err = _main(["stats", str(broken), "-o", str(tmp_path / "x.json")], capsys)
    assert code == 1
    assert f"{broken}:{len(make_records()) + 1}: bad JSON line" in err
    back = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))["labels"]
    assert back[0]["group_paragraphs"] == len(make_records()) - 2


def test_unknown_by_is_a_usage_error(tagged: Path, tmp_path: Path, capsys) -> None:
    code, err = _main(["stats", str(tagged), "-o", str(tmp_path / "x.csv"), "--by", "city"], capsys)
    assert code == 2 and "city" in err
    assert not list(tmp_path.glob("x_*"))


def test_missing_file_is_one_line_error(tmp_path: Path, capsys) -> None:
    code, err = _main(["stats", str(tmp_path / "nope.jsonl")], capsys)
    assert code == 1 and "nope.jsonl: file not found" in err and "Traceback" not in err


def test_without_output_prints_the_label_table(tagged: Path) -> None:
    result = _cli(["stats", str(tagged), "--by", "place"])
    assert result.exit_code == 0
    assert "甲市" in result.output and "share_paragraphs" in result.output


def test_plots_exist_as_png_svg_and_pdf(tagged: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    result = _cli(["stats", str(tagged), "-o", str(tmp_path / "s.json"), "--by", "place", "--plot",
                   str(tmp_path / "charts"), "--first-mention", "票决制"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert names == [f"{stem}.{ext}" for stem in ("category_rates", "label_shares", "term_trends")
                     for ext in ("pdf", "png", "svg")]
    for name in names:
        assert (tmp_path / "charts" / name).stat().st_size > 2000


def _render(text: str, font: object) -> object:
    """Grey pixels of ``text`` drawn with the chart font."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    with plt.rc_context({"font.family": [font.family]}), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "glyph missing" is expected for the .notdef strings
        fig = plt.figure(figsize=(3, 1), dpi=80)
        fig.text(0.05, 0.3, text, fontsize=24)
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3].mean(axis=2)
    plt.close(fig)
    return pixels


def test_chart_font_draws_chinese_not_boxes() -> None:
    plot = pytest.importorskip("policytag.plot")
    font = plot.cjk_font()
    chart_text = "各组段落功能构成段落占比多标签均分政策词语年度变化年份每万字出现次数全部" + "".join(
        DOC[1] + DOC[2] + DOC[3] for DOC in DOCS) + "监督立法代表工作自身建设决定任免票决制双联"
    assert plot.missing_glyphs(chart_text, font) == []
    assert plot.missing_glyphs("\U000f0000", font) == ["\U000f0000"]  # the check can fail
    a, b = _render("监督工作", font), _render("立法计划", font)
    boxes, other_boxes = _render("\U000f0000\U000f0001\U000f0002\U000f0003", font), _render(
        "\U000f0004\U000f0005\U000f0006\U000f0007", font)
    assert (a < 250).sum() > 100  # something is drawn
    assert (abs(a - b) > 60).sum() > 100  # two different strings look different
    assert (abs(a - boxes) > 60).sum() > 100  # and unlike a row of .notdef boxes
    assert (abs(boxes - other_boxes) > 60).sum() == 0  # (boxes all look the same: the comparison is meaningful)


def test_svg_charts_carry_glyph_outlines(tagged: Path, tmp_path: Path) -> None:
    _cli(["stats", str(tagged), "-o", str(tmp_path / "s.json"), "--plot", str(tmp_path / "c")])
    svg = (tmp_path / "c" / "label_shares.svg").read_text(encoding="utf-8")
    assert re.search(r'<path id="NotoSansCJK|<path id="[^"]*(CJK|Han|WenQuanYi|Hei)', svg)
    assert "<text" not in svg  # text is outlines, so the SVG needs no font where it is shown


def test_category_table_counts_the_users_categories(tagged: Path) -> None:
    records = make_records()
    table = stats.category_table(stats.load_tagged([tagged]), ["place"])
    for place in ("甲市", "丙县", "丁区"):
        rows = [r for r in records if r["meta"]["place"] == place]
        chars = sum(len(r["text"]) for r in rows)
        counts = Counter(t["category"] for r in rows for t in r["terms"])
        part = table[table["place"] == place].set_index("category")
        assert set(part.index) == {"监督方式", "代表工作"}  # every category in every group, 0 where absent
        for category in part.index:
            assert part.loc[category, "count"] == counts[category]
            assert part.loc[category, "per_10k_chars"] == pytest.approx(counts[category] / chars * 10_000)
    jia = table[table["place"] == "甲市"].set_index("category")
    assert jia.loc["监督方式", "terms"] == 2 and jia.loc["监督方式", "paragraphs"] == 3


def test_nested_categories_cut_to_a_depth_and_first_mention_by_category(tmp_path: Path) -> None:
    records = make_records()
    for r in records:
        for t in r["terms"]:
            t["category"] = {"监督方式": "监督/方式", "代表工作": "代表/工作"}[t["category"]]
    frame = stats.load_tagged([write_jsonl(tmp_path / "t.jsonl", records)])
    assert set(stats.category_table(frame, depth=1)["category"]) == {"监督", "代表"}
    table = stats.first_mention_table(frame, ["代表"])
    rows = {r["place"]: r for r in table.to_dict("records")}
    assert rows["甲市"]["matched_by"] == "lexicon" and rows["甲市"]["first_year"] == 2021
    assert rows["丙县"]["total"] == 3  # 双联 twice and 票决制 once, all under 代表/…
    cross = stats.category_function_table(frame, depth=1).set_index("category")
    assert cross.loc["监督", "监督"] == 3 and cross.loc["监督", "代表工作"] == 1


def test_csv_tagged_files_keep_term_categories(tagged: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    labels = load_config()["classify"]["labels"]
    rows = [flatten(r, labels) for r in make_records()]
    pd.DataFrame(rows).to_csv(out, index=False, encoding="utf-8-sig")
    a = stats.category_table(stats.load_tagged([tagged]))
    b = stats.category_table(stats.load_tagged([out]))
    pd.testing.assert_frame_equal(a, b)


def test_folders_are_listed_like_tag_lists_them(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Hidden files (an interrupted run's checkpoint) and links leading out of the folder are not read."""
    folder = tmp_path / "tagged"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", make_records())
    write_jsonl(folder / ".a.jsonl.partial.jsonl", make_records())  # a checkpoint left by tag
    outside = write_jsonl(tmp_path / "elsewhere.jsonl", make_records())
    (folder / "link.jsonl").symlink_to(outside)
    (folder / "dangling.jsonl").symlink_to(tmp_path / "gone.jsonl")
    code, err = _main(["stats", str(folder), "-o", str(tmp_path / "s.json")], capsys)
    assert code == 0
    data = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert {r["paragraphs"] for r in data["labels"]} and sum(  # one file's paragraphs, not three
        r["paragraphs"] for r in data["labels"] if r["label"] == "监督") == sum(
        "监督" in r["labels"] for r in make_records() if not r.get("is_heading") and not r.get("is_glossary"))
    assert "link.jsonl" in err and "dangling.jsonl" in err and "policytag: note: skipped" in err


def test_group_by_any_metadata_field(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A sidecar's own column (here 'outlet') groups every table like place or year do."""
    records = make_records()
    for i, r in enumerate(records):
        r["meta"]["outlet"] = "官网" if i % 2 else "报纸"
    tagged = write_jsonl(tmp_path / "t.jsonl", records)
    code, err = _main(["stats", str(tagged), "-o", str(tmp_path / "s.json"), "--by", "outlet"], capsys)
    assert code == 0, err
    data = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert {r["outlet"] for r in data["labels"]} == {"官网", "报纸"}
    assert {r["outlet"] for r in data["terms"]} == {"官网", "报纸"}
    code, err = _main(["stats", str(tagged), "-o", str(tmp_path / "s2.json"), "--by", "outlett"], capsys)
    assert code == 2 and "--by outlett: no tagged file has that field" in err and "outlet" in err
    code, err = _main(["stats", str(tagged), "-o", str(tmp_path / "s3.json"), "--by", "text"], capsys)
    assert code == 2 and "cannot group by 'text'" in err
