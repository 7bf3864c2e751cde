"""Coverage of the shipped lexicon: phrases of every function and era are found, common words are not terms."""

from __future__ import annotations

import pytest

from policytag.lexicon import load_lexicon
from policytag.match import Matcher


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_lexicon())


def found(matcher: Matcher, text: str) -> dict[str, str]:
    return {t.canonical: t.category for t in matcher.find(text)}


# Sentences written for these tests; each names one established phrase and the category it signals.
CASES = [
    ("常委会对两项议题开展特定问题调查，并依法提出质询案。", "特定问题调查", "监督"),
    ("首次听取行政事业性国有资产管理情况的专项报告。", "行政事业性国有资产", "监督"),
    ("完善备案审查衔接联动机制，做到有错必纠。", "备案审查衔接联动", "监督"),
    ("对《某某法》和本省实施办法开展“一法一办法”检查。", "一法一条例", "监督"),
    ("加强对政府性债务的审查。", "政府债务监督", "监督"),
    ("召开联组会议，就养老服务开展专题询问。", "联组会议", "监督"),
    ("审查批准新增专项债券的预算调整方案。", "地方政府专项债券", "监督"),
    ("镇人大通过民主恳谈听取群众对预算草案的意见。", "参与式预算", "监督"),
    ("代表建议按期办复率达到百分之百。", "建议办复率", "代表工作"),
    ("坚持不抵触、有特色、可操作，提高地方立法质量。", "不抵触、有特色、可操作", "立法"),
    ("审查批准设区市地方性法规九部。", "审查批准法规", "立法"),
    ("作出有关法规问题的决定两件。", "法规性决定", "立法"),
    ("新建人大代表联络工作站十二个。", "代表联络站", "代表工作"),
    ("组织开展代表建议办理“回头看”。", "代表建议办理回头看", "代表工作"),
    ("做好选民登记和选区划分工作。", "选民登记", "代表工作"),
    ("指导乡镇人大主席团规范开展闭会期间活动。", "乡镇人大主席团", "自身建设"),
    ("扎实开展深入贯彻中央八项规定精神学习教育。", "深入贯彻中央八项规定精神学习教育", "自身建设"),
    ("以学铸魂、以学增智、以学正风、以学促干。", "以学铸魂、以学增智、以学正风、以学促干", "自身建设"),
    ("任命副县长一名，组织新任命人员向宪法宣誓。", "宪法宣誓", "决定任免"),
    ("实现党的领导、人民当家作主和依法治国有机统一。", "党的领导、人民当家作主、依法治国有机统一", "政治"),
    ("深入贯彻党的十九届二中、三中、四中全会精神。", "十九届历次全会", "政治"),
    ("推进社会主义民主法制建设。", "社会主义民主法治建设", "政治"),
    ("努力建设政治机关、国家权力机关、工作机关和代表机关。", "四个机关", "自身建设"),
    ("做好易地扶贫搬迁后续扶持。", "易地扶贫搬迁", "政策"),
    ("因地制宜发展新质生产力。", "新质生产力", "政策"),
    ("坚持稳中求进工作总基调。", "稳中求进工作总基调", "政策"),
    ("建设资源节约型、环境友好型社会。", "两型社会", "政策"),
    ("推进九大高原湖泊河(湖)长制落实。", "河长制", "政策"),
]


@pytest.mark.parametrize(("text", "canonical", "category"), CASES, ids=[c[1] for c in CASES])
def test_established_phrase_is_found_with_its_category(matcher: Matcher, text: str, canonical: str,
                                                       category: str) -> None:
    assert found(matcher, text).get(canonical) == category


def test_every_category_gains_phrases_from_every_era() -> None:
    lex = load_lexicon()
    for phrase in ["三严三实", "两学一做", "党史学习教育", "供给侧结构性改革", "精准扶贫", "扫黑除恶专项斗争",
                   "碳达峰碳中和", "八五普法", "合宪性审查", "立法协商", "双联", "代表接待日", "人大代表之家",
                   "人大街道工委", "设区的市立法权", "自治条例和单行条例", "民族区域自治", "模范机关"]:
        assert lex.lookup(phrase) is not None, phrase


@pytest.mark.parametrize("text", [
    "市人大常委会依法履职，认真履职尽责。",            # the committee, not deputies
    "全国人大常委会委员长来我市调研。",                 # not a standing-committee member
    "为人大工作提供了有力支持，增强履职能力。",          # general words, no phrase
    "推进经济建设、政治建设、文化建设。",               # a list, not the Party's political building
    "加强调查研究，推进项目建设，延伸产业链。",          # ordinary work words
    "召开项目论证会和价格听证会。",                     # not legislative hearings
])
def test_common_words_are_not_matched_as_terms(matcher: Matcher, text: str) -> None:
    assert found(matcher, text) == {}


def test_longest_match_keeps_a_formula_whole(matcher: Matcher) -> None:
    terms = matcher.find("坚持党的领导、人民当家作主、依法治国有机统一，围绕中心，服务大局。")
    assert [t.canonical for t in terms] == ["党的领导、人民当家作主、依法治国有机统一", "围绕中心、服务大局"]


def test_no_form_is_a_bare_generic_word() -> None:
    forms = {f for e in load_lexicon() for f in e.forms}
    for word in ["人大工作", "依法履职", "履职尽责", "履职能力", "能力建设", "项目建设", "产业链", "调查研究",
                 "政治建设", "组成人员", "常委会委员", "论证会", "听证会", "报批", "闭环管理", "信息化建设"]:
        assert word not in forms, word
