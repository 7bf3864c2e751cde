"""Report metadata from the title block, and sidecar files."""

from __future__ import annotations

import json

import pytest

from policytag.errors import ConfigError
from policytag.meta import apply_sidecar, extract_meta, level_of, load_sidecar
from policytag.record import Document, MappedText
from policytag.segment import segment


def make_doc(raw: str, path: str = "reports/demo.txt") -> Document:
    return Document(path=path, doc_id="demo.txt#abc", raw=raw, norm=MappedText.identity(raw))


HEADER = """\
# 青石县人民代表大会常务委员会

## 工 作 报 告

——二〇二三年一月十二日在青石县第十八届人民代表大会第二次会议上

县人大常委会副主任　欧阳文华

各位代表：

我代表县人大常委会向大会报告工作，请各位代表审议。
"""


def test_title_block_fields() -> None:
    meta = extract_meta(make_doc(HEADER))
    assert meta == {
        "title": "青石县人民代表大会常务委员会工作报告", "place": "青石县", "level": "县区", "year": 2023,
        "date": "2023-01-12", "meeting": "第十八届人民代表大会第二次会议", "speaker": "欧阳文华",
    }


def test_missing_fields_are_absent_and_year_from_headings() -> None:
    meta = extract_meta(make_doc("2022年的主要工作\n一、加强监督\n常委会听取报告五个。\n"))
    assert meta == {"year": 2023}
    assert extract_meta(make_doc("")) == {}


def test_bare_name_line_and_place_from_meeting_line() -> None:
    raw = "工作报告\n2019年2月20日在白沙市第九届人民代表大会第四次会议上\n陈  刚\n各位代表：\n"
    meta = extract_meta(make_doc(raw))
    assert meta["speaker"] == "陈刚" and meta["place"] == "白沙市" and meta["date"] == "2019-02-20"


def test_province_and_national_levels() -> None:
    assert extract_meta(make_doc("湖南省人民代表大会常务委员会工作报告\n"))["level"] == "省"
    assert extract_meta(make_doc("全国人民代表大会常务委员会工作报告\n"))["level"] == "全国"
    nested = extract_meta(make_doc("湖北省宜昌市人民代表大会常务委员会工作报告\n"))
    assert nested["place"] == "宜昌市" and nested["province"] == "湖北省" and nested["level"] == "市"


@pytest.mark.parametrize(("title", "place", "province"), [
    ("荆州市人民代表大会常务委员会工作报告", "荆州市", None),      # 州 is part of the name, not a unit
    ("湖北省荆州市人民代表大会常务委员会工作报告", "荆州市", "湖北省"),
    ("贵州省人民代表大会常务委员会工作报告", "贵州省", "贵州省"),
    ("贵州省贵阳市人民代表大会常务委员会工作报告", "贵阳市", "贵州省"),
    ("安乡县人民代表大会常务委员会工作报告", "安乡县", None),        # 乡 inside a county's name
    ("北京市通州区人民代表大会常务委员会工作报告", "通州区", "北京市"),
    ("广东省广州市天河区人民代表大会常务委员会工作报告", "天河区", "广东省"),
    ("湘西土家族苗族自治州人民代表大会常务委员会工作报告", "湘西土家族苗族自治州", None),
])
def test_place_names_that_contain_a_unit_character(title: str, place: str, province: str | None) -> None:
    meta = extract_meta(make_doc(title + "\n"))
    assert meta["place"] == place
    assert meta.get("province") == province


@pytest.mark.parametrize(("place", "level"), [
    ("广西壮族自治区", "省"), ("上海市", "省"), ("恩施土家族苗族自治州", "市"), ("锡林郭勒盟", "市"),
    ("株洲市", "市"), ("江陵县", "县区"), ("武昌区", "县区"), ("科尔沁右翼前旗", "县区"), ("城关镇", "乡镇"),
    ("东湖街道", "乡镇"), (None, None),
])
def test_level_of(place: str | None, level: str | None) -> None:
    assert level_of(place) == level


def test_county_level_city_from_context() -> None:
    assert level_of("青川市", "打造全省县级高质量发展标杆，推动乡镇人大工作") == "县区"
    assert level_of("青川市", "指导县市区人大工作，打造全省县级样板") == "市"


def test_seed_metadata(seeds_dir) -> None:  # noqa: ANN001
    from policytag.read import read_path

    def meta(prefix: str) -> dict:
        return extract_meta(read_path(next(seeds_dir.glob(f"{prefix}_*.txt"))))

    m = meta("002")
    assert (m["place"], m["year"], m["level"], m["date"], m["meeting"], m["speaker"]) == (
        "江陵县", 2024, "县区", "2024-01-04", "第七届人民代表大会第三次会议", "汪新华")
    m = meta("003")
    assert (m["place"], m["year"], m["level"], m["speaker"]) == ("衡阳市", 2021, "市", "段志刚")
    m = meta("004")
    assert (m["place"], m["year"], m["level"], m["speaker"], m["date"]) == (
        "株洲市", 2020, "市", "王建之", "2020-01-08")


# ------------------------------------------------------------------ sidecar
def test_csv_sidecar_overrides_and_keeps_extra_columns(tmp_path) -> None:  # noqa: ANN001
    side = tmp_path / "meta.csv"
    side.write_text("file,place,year,level,source\ndemo.txt,青石县,2024,县区,archive\nother.txt,,2020,,\n",
                    encoding="utf-8")
    table = load_sidecar(side)
    assert table["other.txt"] == {"year": 2020}
    doc = apply_sidecar(make_doc(HEADER), table)
    assert doc.meta == {"place": "青石县", "year": 2024, "level": "县区", "source": "archive"}
    paras = segment(doc)
    assert paras[0].meta["year"] == 2024 and paras[0].meta["source"] == "archive"
    assert paras[0].meta["speaker"] == "欧阳文华"  # extracted fields fill the rest


def test_json_sidecar_by_path_and_list_form(tmp_path) -> None:  # noqa: ANN001
    side = tmp_path / "meta.json"
    side.write_text(json.dumps({"reports/demo.txt": {"place": "某地"}}, ensure_ascii=False), encoding="utf-8")
    assert apply_sidecar(make_doc(HEADER), load_sidecar(side)).meta == {"place": "某地"}
    side.write_text(json.dumps([{"doc_id": "demo.txt#abc", "year": "2001"}]), encoding="utf-8")
    assert apply_sidecar(make_doc(HEADER), load_sidecar(side)).meta == {"year": 2001}
    assert apply_sidecar(make_doc(HEADER, "elsewhere/x.txt"), {"nothing": {}}).meta == {}


def test_bad_sidecar_is_a_config_error(tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.json"):
        load_sidecar(bad)
    with pytest.raises(ConfigError, match="missing.csv"):
        load_sidecar(tmp_path / "missing.csv")


def test_year_heading_after_a_long_run_of_blank_lines_and_spaces() -> None:
    """The year-heading patterns once tried \\s* three ways at every blank line: 2,000 blank lines took
    39 CPU s, 4,000 took 308 s (cubic). They stay within a line now, so 200,000 are one pass."""
    raw = "某某县人大常委会工作报告\n" + "\n" * 200_000 + " " * 200_000 + "\n2023年工作回顾\n常委会开展执法检查。\n"
    assert extract_meta(Document("a.txt", "a", raw, MappedText.identity(raw)))["year"] == 2024


def test_head_lines_skip_blank_and_markup_only_lines() -> None:
    """The title block is the first 40 lines with text: blank lines, rules and lone bullets or bold markers
    between them do not count, and leading markup is dropped from the lines read."""
    raw = ("\n  \n---\n**\n● \n# **某河县人民代表大会常务委员会**\n" + "\n\u3000\n" * 60
           + "- ——2023年1月5日在某河县第九届人民代表大会第二次会议上\n" + "\n" * 30 + "* 县人大常委会主任  周立\n")
    meta = extract_meta(make_doc(raw))
    assert meta["place"] == "某河县" and meta["date"] == "2023-01-05" and meta["speaker"] == "周立"
    filler = "".join(f"常委会第{i}项工作。\n\n" for i in range(40))
    late = extract_meta(make_doc(filler + "——2023年1月5日在某河县第九届人民代表大会第二次会议上\n"))
    assert "date" not in late  # the 41st line with text is no longer the title block


def test_year_from_a_heading_on_any_line() -> None:
    raw = "工作报告\n\n常委会听取报告五个。\n  ## 2021年工作回顾\n一、加强监督\n"
    assert extract_meta(make_doc(raw))["year"] == 2022
    assert extract_meta(make_doc("工作报告\n2024年主要任务\n"))["year"] == 2024
    assert "year" not in extract_meta(make_doc("工作报告\n回顾2021年工作回顾\n"))  # not at the line start
