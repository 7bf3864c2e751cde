"""Activity indicators: numerals, every shipped indicator, pattern files, seeds, CLI."""

from __future__ import annotations

import csv
import json

import pytest

from policytag.errors import ConfigError
from policytag.indicators import extract, extract_text, load_patterns, parse_number, parse_patterns
from policytag.record import Document, MappedText


def found(text: str) -> dict[str, tuple]:
    return {h.indicator: (h.value, h.unit, h.approx) for h in extract_text(text)}


@pytest.mark.parametrize(("text", "value"), [
    ("13", 13), ("十三", 13), ("一百一十二", 112), ("两", 2), ("百", 100), ("十", 10), ("二十", 20),
    ("1.5万", 15000), ("九十八点五", 98.5), ("〇", 0), ("两千", 2000),
])
def test_parse_number(text, value):
    assert parse_number(text) == value


# One invented sentence per indicator; each names the value the shipped patterns must find.
CASES = [
    ("全年共召开常委会会议7次，审议议题40项。", "sessions", 7, "次"),
    ("一年来，举行常委会会议七次。", "sessions", 7, "次"),
    ("常委会共召开9次常委会会议。", "sessions", 9, "次"),
    ("召开主任会议十二次。", "chair_meetings", 12, "次"),
    ("听取和审议“一府两院”专项工作报告二十一项。", "reports_heard", 21, "项"),
    ("听取审议了15个专项工作报告。", "reports_heard", 15, "个"),
    ("组织开展执法检查三次。", "enforcement_inspections", 3, "次"),
    ("对食品安全法等五部法律法规开展执法检查。", "laws_inspected", 5, "部"),
    ("先后检查8部法律法规实施情况。", "laws_inspected", 8, "部"),
    ("开展视察、专题调研二十三次。", "inspections_surveys", 23, "次"),
    ("组织集中视察4次。", "inspections_surveys", 4, "次"),
    ("就优化营商环境开展专题询问1次。", "special_inquiries", 1, "次"),
    ("制定地方性法规3部，批准条例2件。", "regulations_passed", 3, "部"),
    ("审议通过了2部地方性法规。", "regulations_passed", 2, "部"),
    ("全年备案审查规范性文件二十六件。", "normative_documents", 26, "件"),
    ("作出决议、决定11项。", "resolutions_decisions", 11, "项"),
    ("依法任免国家机关工作人员一百一十二人次。", "appointments", 112, "人次"),
    ("对代表提出的256件建议进行交办。", "suggestions", 256, "件"),
    ("代表建议280件全部办复，办结率100%。", "suggestions_completion_rate", 100, "%"),
    ("代表建议办理满意率达百分之九十八。", "suggestions_satisfaction_rate", 98, "%"),
    ("形成并发出审议意见十四件。", "deliberation_opinions", 14, "件"),
    ("交办审议意见书6期。", "deliberation_opinions", 6, "期"),
]


@pytest.mark.parametrize(("text", "indicator", "value", "unit"), CASES)
def test_every_indicator(text, indicator, value, unit):
    hits = found(text)
    assert indicator in hits, hits
    assert hits[indicator][:2] == (value, unit)


def test_every_shipped_indicator_is_covered():
    assert {ind.id for ind in load_patterns()} == {c[1] for c in CASES}


@pytest.mark.parametrize(("text", "value", "value_max", "approx"), [
    ("开展执法检查两次。", 2, None, False),
    ("开展专题调研十余次。", 10, None, True),
    ("开展专题调研二十余次。", 20, None, True),
    ("开展专题调研近百次。", 100, None, True),
    ("开展专题调研30多次。", 30, None, True),
    ("开展专题调研超过20次。", 20, None, True),
    ("开展专题调研3至5次。", 3, 5, True),
    ("开展专题调研两三次。", 2, 3, True),
    ("开展专题调研10次以上。", 10, None, True),
])
def test_numeral_forms(text, value, value_max, approx):
    (hit,) = [h for h in extract_text(text) if h.indicator in ("inspections_surveys", "enforcement_inspections")]
    assert (hit.value, hit.value_max, hit.approx) == (value, value_max, approx)


def test_rates():
    hits = found("代表建议全部办结，办结率为98.5%，满意率为百分之九十七点五。")
    assert hits["suggestions_completion_rate"][0] == 98.5
    assert hits["suggestions_satisfaction_rate"][0] == 97.5


def test_not_the_committees_own_counts():
    text = ("配合省人大常委会开展执法检查3次。机关党组开展专题调研20次。组织代表参加视察活动160人次。"
            "常委会第十二次会议审议通过。协助全国人大代表提出建议25件。对5件重点建议领衔督办。")
    assert extract_text(text) == []


def test_nearest_keyword_wins_and_one_number_counts_once():
    hits = extract_text("开展执法检查、视察、调研12次。")
    assert [(h.indicator, h.value) for h in hits] == [("inspections_surveys", 12)]


def test_evidence_starts_after_a_comma_it_would_cross():
    (hit,) = extract_text("推进备案审查平台建设，全年备案审查规范性文件九件。")
    assert (hit.evidence, hit.value) == ("备案审查规范性文件九件", 9)


def test_offsets_index_the_original_across_line_breaks():
    raw = "前言\n\n依法任免国家机关工作人员1\n38人次，召开常委会\n会议五次。"
    doc = Document(path="x.txt", doc_id="x", raw=raw, norm=MappedText.identity(raw))
    hits = {h.indicator: h for h in extract(doc)}
    assert hits["appointments"].value == 138
    h = hits["sessions"]
    assert (h.value, h.evidence) == (5, "召开常委会会议五次")
    assert raw[h.start : h.end].replace("\n", "") == h.evidence


def test_periods_and_occurrences_from_headings():
    raw = ("过去一年的主要工作\n一年来，召开常委会会议6次。\n全年召开常委会会议6次，另有说明。\n"
           "2025年的主要任务\n计划召开常委会会议8次。\n")
    doc = Document(path="x.txt", doc_id="x", raw=raw, norm=MappedText.identity(raw))
    rows = [(h.value, h.period, h.occurrence) for h in extract(doc)]
    assert rows == [(6, "review", 1), (6, "review", 2), (8, "plan", 1)]
    assert [(h.value, h.period) for h in extract(doc, first=True)] == [(6, "review"), (8, "plan")]


# ---------------------------------------------------------------- pattern files

GOOD = """\
indicators:
  - id: hearings
    label: 立法听证会
    units: [次, 场]
    patterns:
      - 召开立法听证会NUM(次|场)
"""


def test_user_pattern_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD, encoding="utf-8")
    specs = load_patterns(path)
    (hit,) = extract_text("今年召开立法听证会两场。", specs)
    assert (hit.indicator, hit.value, hit.unit, hit.label) == ("hearings", 2, "场", "立法听证会")


@pytest.mark.parametrize(("text", "message"), [
    (GOOD.replace("召开立法听证会NUM", "召开立法听证会"), ":6: indicator 'hearings': pattern"),
    (GOOD.replace("NUM(次|场)", "NUM(次|场"), ":6: indicator 'hearings'"),
    (GOOD.replace("    label: 立法听证会\n", ""), ":2: indicator is missing 'label'"),
    (GOOD.replace("id: hearings", "id: Hearings!"), ":2: id 'Hearings!'"),
    (GOOD + GOOD.split("\n", 1)[1], ":7: duplicate indicator id"),
    (GOOD.replace("units", "unitz"), ":2: unknown key(s) unitz"),
    ("indicators: [\n", ":2: not valid YAML"),
    ("indicators: []\n", "'indicators' must be a non-empty list"),
])
def test_pattern_file_errors_name_the_line(text, message):
    with pytest.raises(ConfigError) as err:
        parse_patterns(text, "mine.yaml")
    assert str(err.value).startswith("mine.yaml") and message in str(err.value), str(err.value)


def test_missing_pattern_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_patterns(tmp_path / "nope.yaml")


# ---------------------------------------------------------------- real reports

SEED_002 = {"sessions": 6, "reports_heard": 13, "inspections_surveys": 19, "laws_inspected": 6,
            "deliberation_opinions": 15, "appointments": 36}


def test_seed_002_summary(seeds_dir):
    from policytag.read import read_path

    (path,) = seeds_dir.glob("002_*.txt")
    doc = read_path(path)
    hits = {h.indicator: h for h in extract(doc, first=True) if h.period in ("review", None)}
    for indicator, value in SEED_002.items():
        hit = hits[indicator]
        assert hit.value == value, (indicator, hit)
        assert str(value) in doc.raw[hit.start : hit.end]


def test_seeds_have_no_party_or_upper_level_counts(seeds_dir):
    from policytag.read import read_path

    for path in sorted(seeds_dir.glob("*.txt")):
        for hit in extract(read_path(path)):
            context = read_path(path).raw[max(0, hit.start - 40) : hit.start]
            assert "配合上级" not in context and "党支部" not in context, (path.name, hit)


# ---------------------------------------------------------------- command line

def test_cli_tables(tmp_path):
    from click.testing import CliRunner

    from policytag.cli import cli

    good = tmp_path / "a.txt"
    good.write_text("过去一年的主要工作\n召开常委会会议十次，听取和审议专项工作报告12个。\n", encoding="utf-8")
    bad = tmp_path / "missing.txt"
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(cli, ["indicators", str(good), str(bad), "-o", str(out)], standalone_mode=False)
    assert result.return_value == 1
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [(r["indicator"], r["value"], r["period"]) for r in rows] == [
        ("sessions", "10", "review"), ("reports_heard", "12", "review")]
    assert {"doc_id", "place", "year", "evidence", "char_start", "char_end", "approx"} <= set(rows[0])
    jsonl = tmp_path / "t.jsonl"
    CliRunner().invoke(cli, ["indicators", str(good), "-o", str(jsonl)], standalone_mode=False)
    first = json.loads(jsonl.read_text(encoding="utf-8").splitlines()[0])
    assert first["evidence"] == "召开常委会会议十次"
    text = good.read_text(encoding="utf-8")
    assert text[first["start"] : first["end"]] == "召开常委会会议十次"


def test_cli_bad_pattern_file_is_a_usage_error(tmp_path):
    from click.testing import CliRunner

    from policytag.cli import cli

    (tmp_path / "a.txt").write_text("召开常委会会议十次。", encoding="utf-8")
    bad = tmp_path / "p.yaml"
    bad.write_text("indicators:\n  - id: x\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["indicators", str(tmp_path / "a.txt"), "--patterns", str(bad)],
                                standalone_mode=False)
    assert isinstance(result.exception, ConfigError) and "p.yaml:2" in str(result.exception)
