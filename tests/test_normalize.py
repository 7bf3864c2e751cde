"""normalize(): every rewrite keeps offsets into the raw text."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from policytag.errors import ConfigError
from policytag.normalize import (
    _convert_suspect_runs,
    _mapped_chars,
    _suspects,
    _table,
    convert_script,
    get_converter,
    is_pinyin_gloss,
    map_characters,
    normalize,
    pinyin_spans,
)
from policytag.record import MappedText

t2s = get_converter("t2s")


def check_offsets(raw: str, m: MappedText) -> None:
    offsets = m.offsets
    assert offsets.dtype == np.int32  # record._INDEX: a document's offsets fit 32 bits, half the memory
    assert len(offsets) == len(m.text)
    if len(offsets):
        assert np.all(np.diff(offsets) > 0), "offsets must strictly increase"
        assert offsets[0] >= 0 and offsets[-1] < len(raw)


# ---------------------------------------------------------------------------- character mapping
def test_line_breaks_become_newlines_and_keep_offsets() -> None:
    raw = "一\r\n二\r三\n四\x0c五"
    m = normalize(raw)
    assert m.text == "一\n二\n三\n四\n五"
    assert m.offsets.tolist() == [0, 2, 3, 4, 5, 6, 7, 8, 9]  # the \n of \r\n keeps its own offset


def test_invisible_characters_are_removed() -> None:
    raw = "\ufeff人\u200b大\u00ad代\u200d表\x07会\u2060议"
    m = normalize(raw)
    assert m.text == "人大代表会议"
    assert [raw[i] for i in m.offsets] == list("人大代表会议")


def test_spaces_become_plain_spaces_tabs_stay() -> None:
    m = normalize("甲\u00a0乙\u3000丙\t丁")
    assert m.text == "甲 乙 丙\t丁"
    assert m.offsets.tolist() == list(range(7))


def test_fullwidth_letters_and_digits_become_halfwidth_but_chinese_punctuation_stays() -> None:
    raw = "听取ＧＤＰ报告１２项，（一）。ｐｍ"
    m = normalize(raw)
    assert m.text == "听取GDP报告12项，（一）。pm"
    assert m.offsets.tolist() == list(range(len(raw)))


def test_halfwidth_can_be_turned_off() -> None:
    assert normalize("１２", {"halfwidth": False}).text == "１２"


# ---------------------------------------------------------------------------- pinyin glosses
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("報(bào)告", "报告"),
        ("報(bào)告(gào)", "报告"),
        ("人大(rén dà)代表", "人大代表"),
        ("人大（rén dà）代表", "人大代表"),
        ("北京(Běijīng)市", "北京市"),
        ("人民(rénmín)群众", "人民群众"),
        ("人大(ren da)代表", "人大代表"),
        ("监督 (jiān dū)工作", "监督工作"),
        ("生产总值(GDP)增长", "生产总值(GDP)增长"),
        ("细颗粒物(PM2.5)浓度", "细颗粒物(PM2.5)浓度"),
        ("政务(app)上线", "政务(app)上线"),
        ("开放(open data)平台", "开放(open data)平台"),
        ("会见(Wang Yi)时", "会见(Wang Yi)时"),
        ("附件(a)说明", "附件(a)说明"),
        ("table (bào) x", "table (bào) x"),  # not after a Han character
    ],
)
def test_pinyin_glosses(raw: str, expected: str) -> None:
    m = normalize(raw)
    assert m.text == expected
    check_offsets(raw, m)


def test_pinyin_removal_offsets_point_past_the_gloss() -> None:
    raw = "報(bào)告"
    m = normalize(raw)
    assert m.offsets.tolist() == [0, raw.index("告")]


def test_pinyin_rule() -> None:
    assert is_pinyin_gloss("zhōng huá rén mín gòng hé guó")
    assert is_pinyin_gloss("lǜ")
    assert not is_pinyin_gloss("CPU")
    assert not is_pinyin_gloss("data")  # one toneless token: could be anything
    assert not is_pinyin_gloss("big data")  # 'big' is not a pinyin syllable
    assert pinyin_spans("报(bào)") == [(1, 6)]


def test_pinyin_can_be_kept() -> None:
    assert normalize("報(bào)告", {"strip_pinyin": False}).text == "报(bào)告"


# ---------------------------------------------------------------------------- traditional -> simplified
def test_traditional_becomes_simplified_with_identity_offsets() -> None:
    raw = "常務委員會聽取環境保護執法檢查報告，乾燥的頭髮"
    m = normalize(raw)
    assert m.text == "常务委员会听取环境保护执法检查报告，干燥的头发"
    assert m.offsets.tolist() == list(range(len(raw)))


def test_opencc_can_be_turned_off_and_bad_name_is_a_config_error() -> None:
    assert normalize("報告", {"opencc": ""}).text == "報告"
    with pytest.raises(ConfigError, match="OpenCC"):
        normalize("報告", {"opencc": "no-such-config"})


def _length_changing(text: str) -> str:
    """A stand-in converter whose phrases change length, as OpenCC might."""
    return text.replace("甲乙", "丙").replace("丁", "戊己").replace("庚", "辛")


def test_length_changing_conversion_is_realigned() -> None:
    raw = "前甲乙后庚\n丁丁庚\nabc庚"
    m = convert_script(MappedText.identity(raw), _length_changing)
    check_offsets(raw, m)
    # lines whose length changed fall back to converting character by character:
    # 甲乙 and 丁 keep their raw form (no one-character conversion), 庚 -> 辛 still happens
    assert m.text == "前甲乙后辛\n丁丁辛\nabc辛"
    assert all(m.text[i] == raw[o] or (raw[o], m.text[i]) == ("庚", "辛") for i, o in enumerate(m.offsets))


def test_length_changing_conversion_in_small_chunks_without_line_breaks() -> None:
    raw = "甲乙，庚庚，丁丁，" * 50
    m = convert_script(MappedText.identity(raw), _length_changing, chunk=8)
    check_offsets(raw, m)
    assert m.text == "甲乙，辛辛，丁丁，" * 50
    assert [raw[o] for o in m.offsets[:9]] == list("甲乙，庚庚，丁丁，")


def test_offsets_of_a_mapped_input_are_carried_through() -> None:
    raw = "x\u200b報\u200b告"
    m = normalize(raw)
    assert m.text == "x报告"
    assert m.offsets.tolist() == [0, 2, 4]


# ---------------------------------------------------------------------------- radicals, compatibility ideographs
VARIANT_BLOCKS = [range(0x2E80, 0x2F00), range(0x2F00, 0x2FE0), range(0xF900, 0xFB00), range(0x2F800, 0x2FA20)]


def test_kangxi_radicals_from_pdf_text_become_unified_characters() -> None:
    # ⼗ U+2F17, ⼈ U+2F08, ⼤ U+2F24 (Kangxi radicals); U+F9B4 -> 領, U+2F80F -> 兔 (compatibility ideographs)
    raw = "⼗四五规划，⼈⼤代表\uf9b4\U0002f80f"
    m = normalize(raw, {"opencc": ""})
    assert m.text == "十四五规划，人大代表領兔"
    assert m.offsets.tolist() == list(range(len(raw)))
    assert "⼗" not in normalize("⼗四五").text and normalize("⼗四五").text == "十四五"


def test_every_variant_character_maps_as_unicode_nfkc_says() -> None:
    """An independent oracle: NFKC of each character of the four blocks (Unicode's own tables)."""
    for block in VARIANT_BLOCKS:
        for cp in block:
            c = chr(cp)
            if unicodedata.category(c) == "Cn":
                continue
            expected = unicodedata.normalize("NFKC", c)
            got = normalize(c, {"opencc": "", "halfwidth": False}).text
            assert got == (expected if len(expected) == 1 else c), (hex(cp), got, expected)


def test_unified_compatibility_ideographs_stay() -> None:
    # U+FA0E 﨎 and U+FA11 﨑 are unified ideographs despite their block: no decomposition
    assert normalize("\ufa0e\ufa11", {"opencc": ""}).text == "\ufa0e\ufa11"


# ---------------------------------------------------------------------------- properties
_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_SPACES = set("\u00a0\u3000\u2002\u2003\u202f")
_BREAKS = set("\r\x0b\x0c\x85\u2028\u2029")
_DELETABLE = set("\ufeff\u200b\u200c\u200d\u2060\u00ad\x00\x01\x07\x1b\x7f\x9f\u200e")
_GLOSS = set("()（） \tbàoréndāzhōngguóabcdeghijklmnoqrstuvwxyüǚ'")
ALPHABET = (
    "abcxyzABCXYZ019 \t\n\r.,()（）［］，。、；："
    "報告環境保護執法檢查髮頭乾燥人大代表会议常务委员著名瞭解於後"
    "ＡＢＣｘｙｚ０１９" + "".join(_SPACES) + "\x0b\x0c\x85\u2028" + "".join(_DELETABLE)
    + "bàoréndāzhōngguóü" + "\U00020000\U0002a6a5"
    + "⼗⼈⼤⾔⻳\uf900\uf9b4\ufa0e\U0002f800\U0002f80f"  # radicals and compatibility ideographs (PDF text)
)


def _unified(c: str) -> str:
    """The character after step 1's radical/compatibility mapping (Unicode NFKC for those blocks)."""
    if any(ord(c) in block for block in VARIANT_BLOCKS):
        nfkc = unicodedata.normalize("NFKC", c)
        return nfkc if len(nfkc) == 1 else c
    return c


def _derives(raw: str, offset: int, out: str) -> bool:
    """Whether output character ``out`` can come from ``raw[offset]``."""
    r = _unified(raw[offset])
    if out == r or _FULLWIDTH.get(r) == out:
        return True
    if (r in _SPACES and out == " ") or (r in _BREAKS and out == "\n"):
        return True
    # OpenCC t2s: the character alone, or as part of a phrase around it; invisible characters are
    # removed before conversion, so they do not split a phrase (瞭\u200b解 -> 了解)
    window = "".join(_unified(c) for c in raw[max(0, offset - 8) : offset + 9] if c not in _DELETABLE)
    return t2s(r) == out or out in t2s(window)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=80))
@example("瞭\u200b解")  # an invisible character inside a phrase OpenCC converts as a whole
def test_normalize_offsets_property(raw: str) -> None:
    m = normalize(raw)
    check_offsets(raw, m)
    for i, out in enumerate(m.text):
        assert _derives(raw, int(m.offsets[i]), out), (raw, i, out)
    # whatever was dropped is invisible, the \r of \r\n, or part of a pinyin gloss
    dropped = set(range(len(raw))) - set(m.offsets.tolist())
    for j in dropped:
        c = raw[j]
        assert c in _DELETABLE or c in _GLOSS or (c == "\r" and raw[j + 1 : j + 2] == "\n"), (raw, j, c)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_normalize_never_fails_on_any_text(raw: str) -> None:
    check_offsets(raw, normalize(raw))


@pytest.mark.parametrize("tail", [" " * 200_000, "a " * 100_000, "\t" * 200_000 + "b"])
def test_unclosed_parenthesis_before_a_long_run_is_one_pass(tail: str) -> None:
    """'(' then a long run of letters or spaces and no ')': three competing quantifiers made this
    cubic (2,000 spaces: 12 CPU s); one possessive run is linear. A gloss after it still goes."""
    raw = "报告(" + tail + "\n报(bào)告"
    assert normalize(raw).text == "报告(" + tail + "\n报告"
    assert pinyin_spans("人大( rén dà )和(  )与()") == [(2, 12)]


# ---------------------------------------------------------------------------- OpenCC on suspect runs only
def test_shipped_t2s_suspects_match_the_installed_dictionaries() -> None:
    """Without the list (dictionaries changed: rebuild it with data/make_opencc_t2s.py) every text goes to OpenCC."""
    assert _suspects(t2s) is not None


def test_shipped_t2s_suspects_can_be_rebuilt() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    import opencc

    import policytag.normalize

    if not (Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict").exists():
        pytest.skip("this OpenCC wheel ships no opencc_dict tool")
    folder = Path(policytag.normalize.__file__).resolve().parent / "data"
    out = subprocess.run([sys.executable, str(folder / "make_opencc_t2s.py")], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == json.loads((folder / "opencc_t2s.json").read_text(encoding="utf-8"))


@given(st.lists(st.sampled_from(["覆盖", "反覆", "与时俱进", "傢俱", "看著", "著名", "報告", "人大", "，", "\n", " ",
                                 "ab", "深沈", "乾隆", "乾燥", "\U00020000", "㑮"]), max_size=40))
@example(["审议", "反覆", "研究"] * 20)  # a Han run longer than the first backward window
def test_suspect_runs_convert_as_opencc_converts_the_whole_text(parts: list[str]) -> None:
    text = "".join(parts)
    m = normalize(text, {"halfwidth": False, "strip_pinyin": False})
    assert m.text == t2s(text)
    assert m.offsets.tolist() == list(range(len(text)))


def test_only_runs_holding_a_suspect_reach_the_converter() -> None:
    calls: list[str] = []

    def convert(text: str) -> str:
        calls.append(text)
        return text.replace("覆", "复")

    suspects = np.zeros(0x10000, dtype=bool)
    suspects[ord("覆")] = True
    out = _convert_suspect_runs("会议认为，反覆研究后覆盖全市。人大常委会", convert, suspects)
    assert out == "会议认为，反复研究后复盖全市。人大常委会"
    assert calls == ["反覆研究后覆盖全市"]


def test_the_pre_check_of_map_characters_finds_every_character_the_table_changes() -> None:
    """A text the pre-check passes is returned as it is: a character it missed would never be mapped."""
    table, pattern = _table(True), _mapped_chars(True)
    for cp in range(0x10000):
        if 0xD800 <= cp < 0xE000:
            continue
        assert bool(pattern.match(chr(cp))) == (int(table[cp]) != cp), hex(cp)
    assert pattern.match("\U0002F800") and not pattern.match("\U00020000")
    assert map_characters("人大\r\n常委会\u3000").text == "人大\n常委会 "


@given(st.lists(st.sampled_from(["人大", "(", ")", "（", "）", "rén dà", "ren da", "GDP", " ", "bào", "-", "x"]),
                max_size=30))
def test_two_literal_scans_find_the_candidates_one_class_scan_finds(parts: list[str]) -> None:
    """pinyin_spans scans for each opening parenthesis apart; the rule is that of one pattern for both."""
    from policytag.normalize import _CONTENT, _han_pattern

    text = "".join(parts)
    one = re.compile("[(（]" + _CONTENT)
    expected = []
    for m in one.finditer(text):
        content, start = m.group(1).strip(" \t"), m.start()
        if start > 1 and text[start - 1] in " \t":
            start -= 1
        if content and start > 0 and _han_pattern("[{}]").match(text, start - 1) and is_pinyin_gloss(content):
            expected.append((start, m.end()))
    assert pinyin_spans(text) == expected


def test_a_traditional_text_goes_to_the_converter_whole() -> None:
    """Many suspects (a traditional report): one call over the chunk, not one per run."""
    suspects = np.zeros(0x10000, dtype=bool)
    suspects[[ord("報"), ord("會")]] = True
    text = "常委會聽取報告，" * 50
    assert _convert_suspect_runs(text, str.upper, suspects) is None
    calls: list[str] = []
    m = convert_script(MappedText.identity(text), lambda s: calls.append(s) or s)
    assert m.text == text and calls == [text]  # no shipped list for a stand-in converter: the whole text
