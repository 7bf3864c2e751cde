"""Segmentation: fake reports in several layouts, offsets, and agreement with the hand-cut seeds."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict

import numpy as np
import pytest

from policytag.errors import PolicytagNote
from policytag.record import Document, MappedText
from policytag.segment import segment, split_sentences

# Short fake reports in different layouts (invented wording) imitating how real reports
# reach us: PDF text, e-paper pages, markdown exports, newspaper columns.

# A4 PDF text: paragraph starts indented with full-width spaces, no blank lines,
# lines wrapped at the margin, a page number line in the middle of a sentence.
PDF_INDENTED = """\
某山市人民代表大会常务委员会工作报告
——2022年1月10日在某山市第八届人民代表大会第二次会议上
市人大常委会主任　张明远
各位代表：
　　现在，我代表市人大常委会向大会报告工作，请予审议。
　　一、过去一年的主要工作
　　一年来，常委会紧紧围绕全市中心任务，依法行使各项职权，为推动高
质量发展贡献了人大力量。全年召开常委会会议八次，审议议案二十一件。
　　（一）聚焦发展大局加强监督
　　听取和审议计划执行情况报告，督促政府落实稳增长的各项措施，推动重点
- 2 -
项目建设提速增效。开展专题询问一次，提出审议意见十五条。
　　组织开展食品安全法执法检查，深入十个县区实地察看，发现问题四十多
个，推动整改落实到位。
　　（二）坚持科学立法
　　制定城市绿化条例，修改物业管理条例，法规质量进一步提高。
　　二、今年的主要任务
　　今年是实施规划的关键一年。常委会将重点做好以下几个方面的工作。
　　（一）持续加强监督工作，围绕民生实事开展跟踪监督，推动问题有效
解决。
　　（二）做好代表工作，完善代表联系群众制度，提高建议办理质量。
"""

# E-paper copy: one paragraph per line, run-on numbered items, page break
# mid-sentence with jump notes, closing thanks glued to the last item.
EPAPER_RUNON = """\
北河县人民代表大会常务委员会工作报告

2021年1月8日在北河县第十届人民代表大会第五次会议上

王立新

各位代表：我代表县人大常委会向大会报告工作，请各位代表审议。

2020年的主要工作

一、坚持依法监督，推动发展取得新成效

常委会围绕全县中心工作开展监督。（一）加强经济监督。听取计划执行报告，督促落实“十四五”规划编制工作，全县生产总值增长3.5%。一是加强预算审查，二是推进国资监督，审查批准预算调整方案。（二）加强民生监督。开展义务教育法执法检查，推动新建学校两所。1.5万名学生受益。

二、发挥代表作用，密切联系群众

组织代表开展集中视察，收集意见建议八十条。（一）拓展履职平台。新建代表联络站十个，实现乡镇全覆盖。（二）提升建议办理质量。建议全部办结，群众满意度明显提高，推动解决了一批群众反映强烈的难点问题，促进基层治理水平持续提升，为全县经济社会发展作出了积极贡（下转第四版）

（上接第三版）献。各位代表！过去一年取得的成绩，得益于县委的坚强领导，得益于全体代表的共同努力。在此，我代表县人大常委会表示衷心感谢！回顾一年来的工作，我们也清醒地认识到，监督刚性还需增强，代表工作还需加强。

2021年工作安排

一、提高政治站位，坚持党的领导。坚持把党的领导贯穿人大工作全过程。二、提高监督实效，助推高质量发展。围绕中心大局开展监督。

同志们！让我们团结一心，为全县发展作出新的贡献！
"""

# Markdown export: #-headings, bold lead-ins, bullet lists, a numbered list and a glossary.
MARKDOWN = """\
# 南湖区人大常委会工作报告

## ——2023年2月1日在南湖区第五届人民代表大会第三次会议上

区人大常委会主任 李秋实

### 一、2022年工作回顾

**坚持党的全面领导。**常委会严格执行请示报告制度，全年向区委请示报告重大事项九件。

- **强化财政监督。**听取审议预算执行情况报告，推动预算绩效管理改革。
- 开展道路交通安全法执法检查，督促整改问题二十个。

● 组织代表视察重点项目建设情况。

### 二、2023年工作安排

1. 加强正确监督、有效监督，全年安排听取专项工作报告六项。
2. 深化“家站点”建设，推动代表履职常态化。

### 附：名词解释

- “家站点”：代表之家、代表联络站和代表联络点的简称。
- “三张清单”：问题清单、任务清单和责任清单。
"""

# Newspaper PDF: narrow columns, no indentation, paragraphs separated by blank lines,
# sentences wrapped anywhere, a paragraph split by a blank line between columns.
NARROW_COLUMNS = """\
坚持人民至上
推动民生实事落地

●常委会组织各级代表深入
村组社区开展走访，收集群
众意见建议三百余条，督促
有关部门逐条办理。

●围绕教育医疗养老等民生
热点开展专题调研，形成调
研报告五篇，提出的意见建

议得到政府采纳。

强化代表履职保障

开展代表培训三期，参训代表
达六百人次，代表履职能力不
断提高。
"""

# Wrapped text with neither blank lines nor indentation between paragraphs.
WRAPPED_PLAIN = """\
过去一年的主要工作
一、依法履行监督职能
常委会全年听取审议专项工作报告十二个，开展执法
检查四次，专题询问两次，推动解决了一批群众关心
的问题。
常委会认真做好规范性文件备案审查工作，全年审查
文件三十件，纠正两件。
二、加强代表工作
代表建议办结率达到百分之百。
"""

ALL_FIXTURES = {
    "pdf": PDF_INDENTED, "epaper": EPAPER_RUNON, "markdown": MARKDOWN,
    "narrow": NARROW_COLUMNS, "wrapped": WRAPPED_PLAIN,
}


def make_doc(raw: str, name: str = "fake.txt") -> Document:
    return Document(path=name, doc_id=name, raw=raw, norm=MappedText.identity(raw))


def texts(raw: str) -> list[str]:
    return [p.text for p in segment(make_doc(raw))]


# ------------------------------------------------------------------ layouts
def test_pdf_lines_joined_across_margin_and_page_number() -> None:
    got = texts(PDF_INDENTED)
    assert ("一年来，常委会紧紧围绕全市中心任务，依法行使各项职权，为推动高质量发展贡献了人大力量。"
            "全年召开常委会会议八次，审议议案二十一件。") in got
    # the page number line "- 2 -" sits mid-sentence: dropped, sentence joined
    assert ("听取和审议计划执行情况报告，督促政府落实稳增长的各项措施，推动重点项目建设提速增效。"
            "开展专题询问一次，提出审议意见十五条。") in got
    assert not any(re.fullmatch(r"-?\s*2\s*-?", t) for t in got)
    # indented paragraph starts after a sentence that ends at the margin are kept apart
    assert "组织开展食品安全法执法检查，深入十个县区实地察看，发现问题四十多个，推动整改落实到位。" in got
    # title block lines stay separate
    assert got[:3] == ["某山市人民代表大会常务委员会工作报告", "——2022年1月10日在某山市第八届人民代表大会第二次会议上",
                       "市人大常委会主任\u3000张明远"]


def test_narrow_columns_join_and_bullets_removed() -> None:
    got = texts(NARROW_COLUMNS)
    assert got == [
        "坚持人民至上推动民生实事落地",
        "常委会组织各级代表深入村组社区开展走访，收集群众意见建议三百余条，督促有关部门逐条办理。",
        "围绕教育医疗养老等民生热点开展专题调研，形成调研报告五篇，提出的意见建议得到政府采纳。",
        "强化代表履职保障",
        "开展代表培训三期，参训代表达六百人次，代表履职能力不断提高。",
    ]


def test_wrapped_without_blank_lines() -> None:
    got = texts(WRAPPED_PLAIN)
    assert got[1] == "一、依法履行监督职能"
    assert got[2].endswith("推动解决了一批群众关心的问题。") and got[2].startswith("常委会全年")
    assert got[3].startswith("常委会认真做好") and len(got) == 6


def test_runon_items_split_but_not_inline_enumerations() -> None:
    got = texts(EPAPER_RUNON)
    assert "常委会围绕全县中心工作开展监督。" in got
    item = next(t for t in got if t.startswith("（一）加强经济监督"))
    assert "一是加强预算审查，二是推进国资监督" in item  # 一是/二是 stay inside
    assert "“十四五”" in item and "3.5%" in item
    assert any(t.startswith("（二）加强民生监督") and t.endswith("1.5万名学生受益。") for t in got)
    assert "一、提高政治站位，坚持党的领导。坚持把党的领导贯穿人大工作全过程。" in got
    assert "二、提高监督实效，助推高质量发展。围绕中心大局开展监督。" in got


def test_page_notes_dropped_and_page_break_joined() -> None:
    got = texts(EPAPER_RUNON)
    assert not any("下转" in t or "上接" in t for t in got)
    assert any(t.endswith("为全县经济社会发展作出了积极贡献。") for t in got)


def test_closing_passages_split_from_last_item() -> None:
    got = texts(EPAPER_RUNON)
    assert any(t.startswith("各位代表！过去一年取得的成绩") and t.endswith("表示衷心感谢！") for t in got)
    assert any(t.startswith("回顾一年来的工作，我们也清醒地认识到") for t in got)


def test_markdown_markers_removed_bold_lead_kept() -> None:
    paras = segment(make_doc(MARKDOWN))
    got = [p.text for p in paras]
    assert "坚持党的全面领导。常委会严格执行请示报告制度，全年向区委请示报告重大事项九件。" in got
    assert "强化财政监督。听取审议预算执行情况报告，推动预算绩效管理改革。" in got
    assert "组织代表视察重点项目建设情况。" in got
    assert not any("*" in t or t.startswith(("#", "-", "●")) for t in got)
    assert paras[0].text == "南湖区人大常委会工作报告" and paras[0].is_heading


def test_headings_sections_and_periods() -> None:
    paras = segment(make_doc(PDF_INDENTED))
    by_text = {p.text: p for p in paras}
    head = by_text["（一）聚焦发展大局加强监督"]
    assert head.is_heading and head.section == ["一、过去一年的主要工作"] and head.period == "review"
    body = by_text["制定城市绿化条例，修改物业管理条例，法规质量进一步提高。"]
    assert body.section == ["一、过去一年的主要工作", "（二）坚持科学立法"] and not body.is_heading
    plan = by_text["（二）做好代表工作，完善代表联系群众制度，提高建议办理质量。"]
    assert plan.period == "plan" and plan.section == ["二、今年的主要任务"]
    assert by_text["现在，我代表市人大常委会向大会报告工作，请予审议。"].period is None


def test_year_headings_use_delivery_year() -> None:
    paras = segment(make_doc(EPAPER_RUNON))
    periods = {p.text: p.period for p in paras if p.is_heading}
    assert periods["2020年的主要工作"] == "review" and periods["2021年工作安排"] == "plan"
    sub = next(p for p in paras if p.text.startswith("（二）提升建议办理质量"))
    assert sub.section == ["2020年的主要工作", "二、发挥代表作用，密切联系群众"]


def test_glossary_marked() -> None:
    paras = segment(make_doc(MARKDOWN))
    gloss = [p for p in paras if p.is_glossary]
    assert [p.text for p in gloss] == ["附：名词解释", "“家站点”：代表之家、代表联络站和代表联络点的简称。",
                                       "“三张清单”：问题清单、任务清单和责任清单。"]
    assert all(p.period is None for p in gloss)
    assert not any(p.is_glossary for p in paras if "2023年工作安排" in p.text)


def test_fields_and_meta_on_every_paragraph() -> None:
    paras = segment(make_doc(MARKDOWN, "nanhu.md"))
    assert [p.index for p in paras] == list(range(len(paras)))
    assert all(p.doc_id == "nanhu.md" and p.path == "nanhu.md" for p in paras)
    assert all(p.meta.get("place") == "南湖区" for p in paras)


# ------------------------------------------------------------------ offsets
PAGE_FURNITURE = re.compile(r"[（(](?:下转|上接)[^）)]*[）)]|^\s*-\s*\d+\s*-\s*$", re.M)
MARKERS = set("#*●-")


@pytest.mark.parametrize("name", sorted(ALL_FIXTURES))
def test_no_character_lost_and_offsets_index_raw(name: str) -> None:
    raw = ALL_FIXTURES[name]
    paras = segment(make_doc(raw))
    covered = np.zeros(len(raw), dtype=bool)
    last = -1
    for p in paras:
        offs = p.body.offsets
        assert np.all(np.diff(offs) > 0), "offsets increase inside a paragraph"
        assert offs[0] > last, "paragraphs are in order and do not overlap"
        last = int(offs[-1])
        for ch, off in zip(p.text, offs.tolist(), strict=True):
            assert raw[off] == ch or (ch == " " and raw[off].isspace())
        covered[offs] = True
        assert raw[p.start : p.end].replace("\n", "").startswith(p.text[:1])
    furniture = np.zeros(len(raw), dtype=bool)
    for m in PAGE_FURNITURE.finditer(raw):
        furniture[m.start() : m.end()] = True
    lost = [(i, c) for i, c in enumerate(raw) if not covered[i] and not c.isspace()
            and not furniture[i] and c not in MARKERS]
    assert lost == []


def test_body_survives_a_normalization_map() -> None:
    """Offsets go through doc.norm: a norm that drops characters still maps into raw."""
    raw = "一、总体情况\r\n常委会履职\u200b尽责。\r\n"
    norm = MappedText.identity(raw).drop("\r\u200b")
    paras = segment(Document("x.txt", "x", raw, norm))
    assert [p.text for p in paras] == ["一、总体情况", "常委会履职尽责。"]
    assert raw[paras[1].start : paras[1].end] == "常委会履职\u200b尽责。"


def test_empty_and_blank_documents() -> None:
    assert segment(make_doc("")) == []
    assert segment(make_doc("\n\n  \n- 3 -\n")) == []


def test_split_sentences_keeps_offsets() -> None:
    raw = "常委会召开会议六次！审议法规三件；听取报告十个。下一步如何？继续努力\n"
    sents = split_sentences(segment(make_doc(raw)))
    assert [s.text for s in sents] == [
        "常委会召开会议六次！", "审议法规三件；", "听取报告十个。", "下一步如何？", "继续努力"]
    assert all(raw[s.start : s.end] == s.text for s in sents)
    assert [s.index for s in sents] == [0, 1, 2, 3, 4] and {s.extra["paragraph"] for s in sents} == {0}


def test_half_width_sentence_marks() -> None:
    sents = split_sentences(segment(make_doc("已完成!还要做什么?继续;结束。\n")))
    assert [s.text for s in sents] == ["已完成!", "还要做什么?", "继续;", "结束。"]


# ------------------------------------------------------------------ real data
def _norm(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def seed_agreement(seeds_dir, data_dir) -> dict[str, tuple[int, int, int]]:  # noqa: ANN001
    """Per seed: (hand-cut units, units equal to one of our paragraphs, units inside one paragraph)."""
    from policytag.read import read_path

    units: dict[str, list[str]] = defaultdict(list)
    with open(data_dir / "seed_paragraphs.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            units[row["doc"]].append(_norm(row["text"]))
    out = {}
    for doc, wanted in sorted(units.items()):
        ours = [_norm(p.text) for p in segment(read_path(seeds_dir / doc))]
        exact = sum(u in set(ours) for u in wanted)
        covered = sum(any(u in p for p in ours) for u in wanted)
        out[doc] = (len(wanted), exact, covered)
    return out


def test_agreement_with_hand_cut_seed_units(seeds_dir, data_dir) -> None:  # noqa: ANN001
    # Measured 196/196 exact on the five seeds (they informed the rules, so the bar
    # is set lower than the measurement: unseen layouts will do worse).
    result = seed_agreement(seeds_dir, data_dir)
    total = sum(n for n, _, _ in result.values())
    exact = sum(e for _, e, _ in result.values())
    assert exact / total >= 0.95, result
    for doc, (n, e, c) in result.items():
        assert e / n >= 0.85 and c / n >= 0.9, (doc, n, e, c)


def test_seed_structure(seeds_dir) -> None:  # noqa: ANN001
    from policytag.read import read_path

    paras = segment(read_path(next(seeds_dir.glob("004_*.txt"))))
    assert sum(p.is_glossary for p in paras) >= 9
    assert {p.period for p in paras} == {None, "review", "plan"}
    paras = segment(read_path(next(seeds_dir.glob("001_*.txt"))))
    sub = [p for p in paras if p.is_heading and p.section]
    assert sub and all(len(p.section) == 1 for p in sub)


# ------------------------------------------------------------------ reference output and linear time
def _rewrapped(text: str, width: int) -> str:
    """Every line hard-wrapped at ``width`` characters, as PDF text of a narrow column is."""
    return "\n".join(line[i : i + width] for line in text.split("\n") for i in range(0, max(len(line), 1), width))


def segment_digest(raw: str, name: str = "fake.txt") -> str:
    """Hash of everything segment says about a text: paragraph texts, offsets, headings, sections, periods."""
    import hashlib

    from policytag.read import read_bytes

    rows = [[p.text, p.start, p.end, p.section, p.is_heading, p.is_glossary, p.period]
            for p in segment(read_bytes(raw.encode("utf-8"), name))]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def reference_cases(seeds_dir=None) -> dict[str, str]:  # noqa: ANN001
    """Texts whose segmentation is pinned: the fixtures above and the seeds, as they are and re-wrapped."""
    cases = dict(ALL_FIXTURES)
    if seeds_dir is not None:
        cases.update({p.name: p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))})
    for name, text in list(cases.items()):
        for width in (9, 18, 33):
            cases[f"{name} wrapped at {width}"] = _rewrapped(text, width)
    return cases


# Digests of segment's output before it was made linear (commit 9bf4475), recomputed on the new code:
# the rewrite changed no paragraph, offset, heading or period. Print new ones after a deliberate change with
#   python -c "import sys; sys.path.insert(0, 'tests'); import test_segment as t, pathlib; \
#   print({k: t.segment_digest(v) for k, v in t.reference_cases(pathlib.Path('../shared/seeds')).items()})"
REFERENCE_DIGESTS: dict[str, str] = {
    "pdf": "39e5a8bfd23c8bc6",
    "epaper": "c0b721a1dfd8964a",
    "markdown": "c960e68505dcbf60",
    "narrow": "acb17c4de358fb1f",
    "wrapped": "df9595298f14a34a",
    "000_45e12dd1e8b86865.txt": "a6235f6ce9c4443e",
    "001_6bf9c3b57a5e077f.txt": "17565c4ae4436bb4",
    "002_3ac5a5c451188a47.txt": "1268f1e80dbc74e2",
    "003_49afa736b1f2ac9d.txt": "a5769f872aa36ddb",
    "004_7e7b6acc9ba73c07.txt": "6698a4435a450eb4",
    "pdf wrapped at 9": "16c9298baf2cfda4",
    "pdf wrapped at 18": "8d9f111da809b4b1",
    "pdf wrapped at 33": "f83208adc71ca53c",
    "epaper wrapped at 9": "720923a019084dc3",
    "epaper wrapped at 18": "c31c2e733e7bb81f",
    "epaper wrapped at 33": "22b9dedde005ec81",
    "markdown wrapped at 9": "883f067f8ba8459f",
    "markdown wrapped at 18": "28622b776fa9657a",
    "markdown wrapped at 33": "a06dbdb746627764",
    "narrow wrapped at 9": "f33cc2e49bb4a078",
    "narrow wrapped at 18": "acb17c4de358fb1f",
    "narrow wrapped at 33": "acb17c4de358fb1f",
    "wrapped wrapped at 9": "afe3bf24e6dab913",
    "wrapped wrapped at 18": "a7eda0d63d480ffa",
    "wrapped wrapped at 33": "df9595298f14a34a",
    "000_45e12dd1e8b86865.txt wrapped at 9": "f8c0de86754d25f5",
    "000_45e12dd1e8b86865.txt wrapped at 18": "7e52a9f1d97fed64",
    "000_45e12dd1e8b86865.txt wrapped at 33": "a6235f6ce9c4443e",
    "001_6bf9c3b57a5e077f.txt wrapped at 9": "4284e820f728be26",
    "001_6bf9c3b57a5e077f.txt wrapped at 18": "fb81306f916c79b9",
    "001_6bf9c3b57a5e077f.txt wrapped at 33": "6bb2e018e0307879",
    "002_3ac5a5c451188a47.txt wrapped at 9": "368a3b09a5ead7bd",
    "002_3ac5a5c451188a47.txt wrapped at 18": "62dee24c766b2802",
    "002_3ac5a5c451188a47.txt wrapped at 33": "f15e70f9fcdd483c",
    "003_49afa736b1f2ac9d.txt wrapped at 9": "748396cc06dc5089",
    "003_49afa736b1f2ac9d.txt wrapped at 18": "0d326e9d3262e4d0",
    "003_49afa736b1f2ac9d.txt wrapped at 33": "88ab45f2bc98f312",
    "004_7e7b6acc9ba73c07.txt wrapped at 9": "62d04b7d7eba025a",
    "004_7e7b6acc9ba73c07.txt wrapped at 18": "e82ad1c5dc4dea01",
    "004_7e7b6acc9ba73c07.txt wrapped at 33": "d2bcb27878be1aca",
}


def test_segmentation_of_the_fixtures_matches_the_reference() -> None:
    got = {name: segment_digest(text) for name, text in reference_cases().items()}
    assert got == {name: REFERENCE_DIGESTS[name] for name in got}


def test_segmentation_of_the_seeds_matches_the_reference(seeds_dir) -> None:  # noqa: ANN001
    got = {name: segment_digest(text) for name, text in reference_cases(seeds_dir).items()}
    assert got == REFERENCE_DIGESTS


def test_two_hundred_thousand_wrapped_lines_segment_in_one_pass() -> None:
    """200,000 short lines the segmenter joins into one paragraph (issue 12: more than 10 minutes when
    every line rebuilt the paragraph so far; now about a second). All text kept, offsets into the raw text."""
    raw = "执法检查\n" * 200_000
    doc = make_doc(raw, "long.txt")
    with pytest.warns(PolicytagNote, match=r"long\.txt: a paragraph longer than segment\.max_paragraph_chars"):
        paras = segment(doc)
    assert "".join(p.text for p in paras) == "执法检查" * 200_000
    assert all(len(p.text) <= 5000 for p in paras) and len(paras) == 160
    for p in paras:
        assert raw[p.start : p.end].replace("\n", "") == p.text


@pytest.mark.parametrize("line", ["执法检查", "  执法检查", "**执法检查", "Law and order", "执法，检查"])
def test_work_per_line_does_not_grow_with_the_paragraph(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Characters of paragraph text built while joining lines: proportional to the input (4x the
    lines, about 4x the work), where rebuilding the paragraph for every line made it 16x."""
    import policytag.segment as seg

    built = [0]
    original = seg._short_text

    def counting(p, heading_max):  # noqa: ANN001, ANN202
        text = original(p, heading_max)
        built[0] += len(text or "")
        return text

    monkeypatch.setattr(seg, "_short_text", counting)
    work = []
    for n in (2_000, 8_000):
        built[0] = 0
        segment(make_doc((line + "\n") * n), {"segment": {"max_paragraph_chars": 0}})
        work.append(built[0] + n)  # + n: a line's own work, so that zero building still compares
    assert work[1] <= 5 * work[0]


def test_joined_latin_lines_get_a_space_mapped_to_the_line_break() -> None:
    """Two lines joined where a Latin letter meets a Latin letter get a space, whose offset is the line
    break in the raw text; a Chinese character next to a Latin one, or two Chinese ones, get none."""
    lead = "常委会听取审议了关于国民经济和社会发展计划执行情况的报告，重点关注了投资、消费和出口等指标的变化，"
    raw = (f"某县人大常委会工作报告\n各位代表：\n{lead}特别是GDP\ngrowth和CPI的走势。\n"
           f"{lead}特别是物价\nCPI data的走势。\n")
    paras = segment(make_doc(raw))
    latin, mixed = paras[2], paras[3]
    assert latin.text == lead + "特别是GDP growth和CPI的走势。"
    space = latin.text.index("GDP ") + 3
    assert raw[latin.body.offsets[space]] == "\n"
    assert mixed.text == lead + "特别是物价CPI data的走势。"
    for p in (latin, mixed):
        assert raw[p.start : p.end].replace("\n", " " if p is latin else "") == p.text


# ------------------------------------------------------------------ over-long paragraphs
def _long(body: str) -> str:
    return "东岭县人大常委会工作报告\n一、监督工作\n" + body + "\n二、立法工作\n审议通过条例草案。\n"


def test_long_paragraph_is_cut_after_sentence_ends_with_a_note() -> None:
    raw = _long("常委会开展执法检查，听取审议专项工作报告。" * 300)  # 21 characters a sentence: 6,300
    with pytest.warns(PolicytagNote) as notes:
        paras = segment(make_doc(raw, "r.txt"), {"segment": {"max_paragraph_chars": 1000}})
    body = [p for p in paras if p.section == ["一、监督工作"]]
    assert [len(p.text) for p in body] == [987] * 6 + [378]  # 47 whole sentences each, then the rest
    assert all(p.text.endswith("。") for p in body)
    assert "".join(p.text for p in body) == "常委会开展执法检查，听取审议专项工作报告。" * 300
    assert all(raw[p.start : p.end] == p.text for p in body)
    assert [p.index for p in paras] == list(range(len(paras)))
    assert paras[-1].text == "审议通过条例草案。" and paras[-1].section == ["二、立法工作"]
    [note] = notes
    assert str(note.message) == (
        f"r.txt: a paragraph longer than segment.max_paragraph_chars = 1,000 cut after sentence ends (mid-sentence "
        f"where none falls within the limit): 6,300 characters (offsets {body[0].start}–{body[-1].end}) "
        f"-> paragraphs {body[0].index}–{body[-1].index}")


def test_long_paragraph_without_sentence_ends_is_cut_at_clauses_then_at_the_limit() -> None:
    limit = {"segment": {"max_paragraph_chars": 1000}}
    with pytest.warns(PolicytagNote):
        clauses = segment(make_doc(_long("执法检查，" * 499 + "执法检查。")), limit)
    body = [p.text for p in clauses if p.section == ["一、监督工作"]]
    assert [len(t) for t in body] == [1000, 1000, 500] and body[0].endswith("，") and body[1].endswith("，")
    with pytest.warns(PolicytagNote, match="3 of the cuts mid-sentence"):
        hard = segment(make_doc(_long("执法检查" * 1000)), {"segment": {"max_paragraph_chars": 1000}})
    assert [len(p.text) for p in hard if p.section == ["一、监督工作"]] == [1000] * 4


def test_a_long_markdown_heading_is_a_paragraph_and_zero_means_no_limit() -> None:
    raw = "# " + "执法检查" * 500 + "\n\n常委会开展执法检查。\n"
    with pytest.warns(PolicytagNote, match="1 of the cuts mid-sentence"):
        cut = segment(make_doc(raw), {"segment": {"max_paragraph_chars": 1000}})
    assert [p.is_heading for p in cut] == [False, False, False]
    assert cut[-1].section == []
    whole = segment(make_doc(raw), {"segment": {"max_paragraph_chars": 0}})
    assert len(whole[0].text) == 2000 and whole[0].is_heading


def test_several_long_paragraphs_make_one_note_per_document() -> None:
    raw = "\n\n".join(["执法检查。" * 300] * 5)
    with pytest.warns(PolicytagNote) as notes:
        segment(make_doc(raw, "five.txt"), {"segment": {"max_paragraph_chars": 1000}})
    assert len(notes) == 1
    assert str(notes[0].message).startswith("five.txt: 5 paragraphs longer than")
    assert str(notes[0].message).endswith("; and 2 more")
