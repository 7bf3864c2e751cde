"""Matching: quotes, longest vs overlapping, offsets into the original, traditional input, seeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policytag.kwic import kwic
from policytag.lexicon import Entry, Lexicon, load_lexicon
from policytag.match import Matcher
from policytag.record import MappedText, Paragraph


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_lexicon())


def small() -> Lexicon:
    return Lexicon([
        Entry("民生实事项目人大代表票决制", "代表工作", ("票决制",), "d"),
        Entry("人大代表", "代表工作", (), "d"),
        Entry("一府一委两院", "监督", (), "d"),
        Entry("双联", "代表工作", ("常委会组成人员联系代表、代表联系群众",), "d"),
        Entry("互联网+", "政策", (), "d"),
    ])


def test_quoted_and_plain_are_both_found_and_flagged() -> None:
    terms = Matcher(small()).find("支持“一府一委两院”依法履职，一府一委两院")
    assert [(t.canonical, t.quoted) for t in terms] == [("一府一委两院", True), ("一府一委两院", False)]
    assert terms[0].term == "一府一委两院"  # the span excludes the wrapping quotes


def test_other_quote_styles_and_quotes_inside_a_term() -> None:
    m = Matcher(small())
    assert [t.quoted for t in m.find("「双联」工作 ‘双联’ \"双联\"")] == [True, True, True]
    (term,) = m.find("坚持“一府”一委两院")  # a quote inside the phrase does not hide it
    assert term.canonical == "一府一委两院"


def test_longest_match_by_default_and_all_matches_with_overlaps() -> None:
    text = "全面推行民生实事项目人大代表票决制"
    assert [t.canonical for t in Matcher(small()).find(text)] == ["民生实事项目人大代表票决制"]
    every = {t.canonical for t in Matcher(small(), overlaps=True).find(text)}
    assert every == {"民生实事项目人大代表票决制", "人大代表"}  # 票决制 is the same entry, nested


def test_variant_maps_to_canonical_and_full_width_punctuation_matches() -> None:
    m = Matcher(small())
    (term,) = m.find("落实常委会组成人员联系代表、代表联系群众制度")
    assert term.canonical == "双联" and term.category == "代表工作"
    assert [t.term for t in m.find("推进互联网＋政务服务")] == ["互联网＋"]


def test_offsets_index_the_original_through_a_joined_line_break() -> None:
    raw = "一、全面推行民生实事项目人大代\n表票决制。"
    mapped = MappedText.identity(raw).drop("\n")  # what segment does when it joins a broken line
    (term,) = Matcher(small()).match_text(mapped, raw)
    assert raw[term.start : term.end] == "民生实事项目人大代\n表票决制" == term.term
    assert (term.start, term.end) == (6, 20)


def test_surface_comes_from_the_body_without_raw() -> None:
    raw = "xx双\n联yy"
    (term,) = Matcher(small()).match_text(MappedText.identity(raw).drop("\n"))
    assert term.term == "双联" and (term.start, term.end) == (2, 5)


def test_paragraph_component_and_pipe() -> None:
    m = Matcher(small())
    p = Paragraph("d#1", "d.txt", 0, MappedText.identity("开展“双联”活动", base=100))
    assert m(p) is p and [(t.start, t.end, t.quoted) for t in p.terms] == [(103, 105, True)]
    assert [len(q.terms) for q in m.pipe([p, Paragraph("d#1", "d.txt", 1, MappedText.identity("无"))])] == [1, 0]


def test_traditional_input_through_the_read_stage(tmp_path: Path) -> None:
    from policytag.read import read_path

    path = tmp_path / "trad.txt"
    path.write_text("常委會堅持「一府一委兩院」報告制度，推進雙聯工作。\n", encoding="utf-8")
    doc = read_path(path, None)
    norm = doc.norm
    if norm.text == doc.raw:  # read stage without t2s yet: convert here, length-preserving
        from opencc import OpenCC

        converted = OpenCC("t2s").convert(doc.raw)
        assert len(converted) == len(doc.raw)
        norm = MappedText(converted, doc.norm.offsets)
    terms = Matcher(load_lexicon()).match_text(norm, doc.raw)
    found = {t.canonical: t for t in terms}
    assert found["一府一委两院"].term == "一府一委兩院" and found["一府一委两院"].quoted
    assert doc.raw[found["双联"].start : found["双联"].end].startswith("雙聯")


def test_traditional_variant_in_the_lexicon_is_simplified_for_matching() -> None:
    m = Matcher(Lexicon([Entry("网络安全", "政策", ("網絡安全保護",), "d")]))
    assert [t.canonical for t in m.find("加强网络安全保护")] == ["网络安全"]


def test_kwic_rows_point_into_raw() -> None:
    raw = "一是落实“双联”制度。\n二是推进常委会组成人员联系代表、代表联系群众。"
    rows = kwic("双联", MappedText.identity(raw), raw, small(), width=4)
    assert [r["match"] for r in rows] == ["双联", "常委会组成人员联系代表、代表联系群众"]
    assert all(raw[r["start"] : r["end"]] == r["match"] for r in rows)
    assert rows[0]["left"] == "是落实“" and rows[1]["left"] == "二是推进"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["", " ", "\n", "“", "”", "　"]), min_size=4, max_size=4),
       st.text(alphabet="的了和是在", max_size=5), st.text(alphabet="的了和是在", max_size=5))
def test_offsets_cover_the_phrase_whatever_is_inserted(noise: list[str], left: str, right: str) -> None:
    phrase = "一府一委两院"
    body = "".join(c + n for c, n in zip(phrase[:4], noise, strict=True)) + phrase[4:]
    raw = left + body + right
    terms = [t for t in Matcher(small()).find(raw) if t.canonical == phrase]
    assert len(terms) == 1
    surface = raw[terms[0].start : terms[0].end]
    assert "".join(c for c in surface if c not in " \n“”　") == phrase


def test_seed_reports_have_their_key_phrases(seeds_dir: Path, matcher: Matcher) -> None:
    found: dict[str, set[str]] = {}
    for path in sorted(seeds_dir.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        found[path.name[:3]] = {t.canonical for t in matcher.match_text(MappedText.identity(raw), raw)}
    assert "民生实事项目人大代表票决制" in found["000"]
    assert "双联" in found["004"] and "两个维护" in found["003"]
    every = set.intersection(*found.values())
    assert "执法检查" in every
    assert all(len(v) >= 60 for v in found.values())


# ------------------------------------------------------------------ patterns, crossings, excludes, dictionaries


def test_crossing_terms_are_both_counted() -> None:
    lex = Lexicon([Entry("人大代表", "代表工作"), Entry("代表建议", "代表工作"), Entry("建议办理", "代表工作")])
    terms = Matcher(lex).find("督办人大代表建议办理工作")
    assert [(t.canonical, t.start, t.end) for t in terms] == [("人大代表", 2, 6), ("代表建议", 4, 8),
                                                              ("建议办理", 6, 10)]
    nested = Matcher(small()).find("全面推行民生实事项目人大代表票决制")  # inside a longer term: still one
    assert [t.canonical for t in nested] == ["民生实事项目人大代表票决制"]


def test_glob_counts_every_occurrence_of_its_prefix_and_latin_globs_take_the_word() -> None:
    lex = Lexicon([Entry("优化营商*", "营商环境"), Entry("营商环境", "营商环境"), Entry("reform*", "改革")])
    terms = Matcher(lex).find("持续优化营商环境，优化营商服务；reforms and reformers")
    got = [(t.canonical, t.term) for t in terms]
    assert ("优化营商*", "优化营商") in got and got.count(("优化营商*", "优化营商")) == 2
    assert ("营商环境", "营商环境") in got  # a literal inside a glob's match is not hidden by it
    assert [t.term for t in terms if t.canonical == "reform*"] == ["reforms", "reformers"]
    quoted = Matcher(lex).find("“优化营商”环境")
    assert [(t.term, t.quoted) for t in quoted if t.canonical == "优化营商*"] == [("优化营商", True)]


def test_regex_runs_on_the_normalized_text_with_offsets_into_the_original() -> None:
    entry = Entry("听取审议专项工作报告", "监督", (r"re:听取(?:和审议|审议)\p{Han}{0,8}?\d+项\p{Han}{0,6}报告",))
    raw = "一年来，听取和审议１３项专项工作\n报告。"
    mapped = MappedText.identity(raw).drop("\n")  # segment joins the broken line; offsets keep the original
    mapped = MappedText(mapped.text.replace("１３", "13"), mapped.offsets)  # as normalize folds full-width digits
    (term,) = Matcher(Lexicon([entry])).match_text(mapped, raw)
    assert term.canonical == "听取审议专项工作报告" and raw[term.start:term.end] == "听取和审议１３项专项工作\n报告"


def test_exclude_contexts_drop_a_match_only_inside_them() -> None:
    entry = Entry("视察", "代表工作", ("集中视察",), exclude=("总书记视察", r"re:总书记\p{Han}{0,6}视察"))
    m = Matcher(Lexicon([entry]))
    assert [t.term for t in m.find("组织代表集中视察。")] == ["集中视察"]
    assert m.find("总书记亲临重庆视察并发表重要讲话") == []
    assert m.find("习近平总书记“视察”") == []  # literal contexts see through quotes, like terms
    assert [t.term for t in m.find("总书记视察后，代表视察了项目")] == ["视察"]


def test_each_dictionary_keeps_its_own_longest_matches_and_names_itself() -> None:
    a = [Entry("人大代表建议", "代表工作", dictionary="a")]
    b = [Entry("人大代表", "代表", dictionary="b"), Entry("代表", "代表", dictionary="b")]
    terms = Matcher(Lexicon(a + b)).find("督办人大代表建议")
    assert [(t.canonical, t.dictionary) for t in terms] == [("人大代表建议", "a"), ("人大代表", "b")]


def test_a_form_in_two_categories_gives_one_term_each() -> None:
    lex = Lexicon([Entry("河长制", "政策"), Entry("河长制", "生态环保")])
    assert sorted(t.category for t in Matcher(lex).find("全面推行河长制")) == ["政策", "生态环保"]


def test_a_term_after_a_longer_path_that_fails_is_still_found() -> None:
    lex = Lexicon([Entry("审查批准设区的市法规", "立法"), Entry("设区的市", "立法")])
    assert [t.term for t in Matcher(lex).find("审查批准设区的市、自治县法规")] == ["设区的市"]


def test_crossing_can_be_turned_off() -> None:
    lex = Lexicon([Entry("人大代表", "代表工作"), Entry("代表建议", "代表工作")])
    assert [t.canonical for t in Matcher(lex, crossing=False).find("人大代表建议")] == ["人大代表"]


def test_a_batch_gives_each_paragraph_its_own_terms_with_every_kind_of_form() -> None:
    """Globs, regexes, exclude contexts, a form of two entries, crossing terms and two dictionaries in one batch:
    the batch path (rows made column-wise) gives each paragraph what matching it alone gives."""
    a = [Entry("人大代表", "代表工作", dictionary="a"), Entry("代表建议", "代表工作", dictionary="a"),
         Entry("建议办理", "代表工作", dictionary="a"), Entry("优化营商*", "营商环境", dictionary="a"),
         Entry("视察", "代表工作", ("集中视察",), exclude=("总书记视察",), dictionary="a"),
         Entry("河长制", "政策", dictionary="a"), Entry("河长制", "生态环保", dictionary="a")]
    b = [Entry("常委会", "机构", (r"re:常委会第[一二三四五六七八九十]+次会议",), dictionary="b"),
         Entry("reform*", "改革", dictionary="b"), Entry("人大代表建议", "代表工作", dictionary="b")]
    texts = ["督办人大代表建议，推动建议办理。", "总书记视察后，代表集中视察河长制落实情况。", "", "“ ”",
             "优化营商环境，“优化 营商”举措；reforms and reformers", "常委会第十二次会议听取“人大代表”意见。",
             "没有任何术语的一段话。", "推行“河长制”，开展视察。"]
    for lexicon in (Lexicon(a + b), Lexicon(a)):
        for overlaps in (False, True):
            m = Matcher(lexicon, overlaps=overlaps)
            paragraphs = [Paragraph("d", "p", i, MappedText.identity(t, base=50 * i)) for i, t in enumerate(texts)]
            m.match_batch(paragraphs)
            assert [p.terms for p in paragraphs] == [m.match_text(p.body) for p in paragraphs]
            assert sum(len(p.terms) for p in paragraphs) >= 8
            assert all(type(t.start) is int and type(t.quoted) is bool for p in paragraphs for t in p.terms)


def test_a_batch_with_the_separator_in_a_text_falls_back_to_one_paragraph_at_a_time() -> None:
    m = Matcher(small())
    paragraphs = [Paragraph("d", "p", i, MappedText.identity(t)) for i, t in enumerate(["人大\x00代表", "人大代表"])]
    m.match_batch(paragraphs)
    assert [[t.term for t in p.terms] for p in paragraphs] == [[], ["人大代表"]]


def test_a_matcher_survives_pickling() -> None:
    """A Matcher can be sent to a worker process: its automata are rebuilt from their keys."""
    import pickle

    m = Matcher(Lexicon([Entry("人大代表", "代表工作"), Entry("代表建议", "代表工作"), Entry("优化营商*", "营商环境")]))
    text = "督办人大代表建议，优化营商环境"
    assert pickle.loads(pickle.dumps(m)).find(text) == m.find(text)
    assert len(m.find(text)) == 3


def test_characters_beyond_the_bmp_and_halves_of_two_characters() -> None:
    """The automaton scans UTF-16 units: a character beyond the BMP (two units) keeps positions in characters,
    and the units of 䄀䤀 (U+4100 U+4900) read across their halves spell "AI" without being a match."""
    m = Matcher(Lexicon([Entry("AI", "科技"), Entry("𠀀代表", "代表工作"), Entry("人大代表", "代表工作")]))
    texts = ["𠀀人大代表和𠀀代表，AI", "䄀䤀一", "人大代表"]
    found = [[(t.term, t.start, t.end) for t in m.find(text)] for text in texts]
    assert found == [[("人大代表", 1, 5), ("𠀀代表", 6, 9), ("AI", 10, 12)], [], [("人大代表", 0, 4)]]
    paragraphs = [Paragraph("d", "p", i, MappedText.identity(t)) for i, t in enumerate(texts)]
    m.match_batch(paragraphs)
    assert [[(t.term, t.start, t.end) for t in p.terms] for p in paragraphs] == found
    paragraphs = [Paragraph("d", "p", i, MappedText.identity(t)) for i, t in enumerate(texts[1:])]
    m.match_batch(paragraphs)  # a batch without any character beyond the BMP
    assert [[(t.term, t.start, t.end) for t in p.terms] for p in paragraphs] == found[1:]


def test_regexes_in_a_batch_match_as_in_each_paragraph_alone() -> None:
    """A context-free regex is run once over the joined texts to find the paragraphs it may match in: a match
    there that runs from one paragraph into the next (审…议 over 开会审|议审议) counts for neither, but the
    paragraphs it covers are still searched alone (议审议 holds 审议). An anchored regex goes paragraph by paragraph."""
    texts = ["开会审", "议审议", "没有", "报告总结", "总结全年", "总结"]
    for form, found in ((r"re:审.{0,4}议", [[], ["审议"], [], [], [], []]),
                        (r"re:^总结\p{Han}", [[], [], [], [], ["总结全"], []])):
        m = Matcher(Lexicon([Entry("审慎议定", "监督", (form,))]))
        paragraphs = [Paragraph("d", "p", i, MappedText.identity(t, base=10 * i)) for i, t in enumerate(texts)]
        m.match_batch(paragraphs)
        expected = [m.match_text(p.body) for p in paragraphs]
        assert [p.terms for p in paragraphs] == expected
        assert [[t.term for t in terms] for terms in expected] == found
