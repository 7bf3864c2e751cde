"""The lexicon file: shipped content, `lexicon check` errors with lines, discover and kwic commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from policytag.cli import main
from policytag.errors import ConfigError
from policytag.lexicon import CATEGORIES, check_lexicon, load_lexicon, match_key, parse_lexicon

GOOD = """\
- term: 双联
  category: 代表工作
  variants: [常委会组成人员联系代表、代表联系群众]
  definition: 两项联系制度
  since: 2012
- term: 一府一委两院
  category: 监督
  variants: []
  definition: 人大监督的四类机关
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def write(tmp_path: Path, text: str, name: str = "lex.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_lexicon_is_clean_and_large() -> None:
    lex, issues = check_lexicon()
    assert issues == []
    assert len(lex) >= 400
    assert {e.category for e in lex} == set(CATEGORIES)
    assert all(e.definition and e.term for e in lex)
    for phrase in ["双联", "票决制", "备案审查", "执法检查", "专题询问", "满意度测评", "代表之家", "代表联络站",
                   "预算联网监督", "第一议题", "任前法律知识考试", "宪法宣誓", "两个维护", "四个意识", "四个自信",
                   "两个确立", "全过程人民民主", "一府一委两院", "三大攻坚战", "六稳", "六保", "放管服", "河长制",
                   "乡村振兴"]:
        assert lex.lookup(phrase) is not None, phrase


def test_lookup_sees_through_quotes_and_width() -> None:
    lex, _ = parse_lexicon(GOOD)
    assert lex.lookup("“一府一委两院”").term == "一府一委两院"
    assert lex.lookup("常委会组成人员联系代表,代表联系群众") is None  # a different separator is a different form
    assert match_key("「ＡＢ」 c") == "abc"


DECLARED = "categories:\n  代表工作: 代表的工作\n  监督: 监督工作\nterms:\n" + "".join(f"  {line}\n" for line in
                                                                            GOOD.splitlines())


@pytest.mark.parametrize(("text", "line", "message"), [
    (GOOD + "- term: 双联\n  category: 代表工作\n  definition: x\n", 10, "duplicate term '双联' (first at line 1)"),
    (GOOD + "- term: 联系制度\n  category: 监督\n  variants: [“一府一委两院”]\n  definition: x\n", 10,
     "variant '“一府一委两院”' is also claimed by '一府一委两院' (line 6)"),
    (DECLARED.replace("category: 监督", "category: 经济"), 11, "category '经济' of '一府一委两院' is not declared "
                                                             "(declared: 代表工作 监督)"),
    (GOOD.replace("category: 监督", "category: 经济//营商"), 7, "has an empty part"),
    (GOOD.replace("category: 监督", 'category: "?"'), 7, "needs a curator: category of '一府一委两院'"),
    (GOOD.replace("variants: []", "variants: [优化*营商]"), 8, "'*' is allowed only at the end"),
    (GOOD.replace("variants: []", "variants: ['*']"), 8, "has nothing before '*'"),
    (GOOD.replace("variants: []", 'variants: ["re:听取(审议"]'), 8, "invalid regex"),
    (GOOD.replace("variants: []", 'variants: ["re:(听取)?"]'), 8, "can match the empty string"),
    (GOOD.replace("variants: []", 'variants: ["re:(a+)+b"]'), 8, "takes too long"),
    (GOOD.replace("variants: []", "variants: []\n  exclude: [视察工作]"), 9, "can never apply"),
    (GOOD.replace("since: 2012", "since: 去年"), 5, "since must be a year"),
    (GOOD.replace("variants: []", "varients: []"), 8, "unknown field 'varients'"),
    (GOOD.replace("variants: []", "variants: [一府一委两院]"), 8, "repeats the term"),
    (GOOD.replace("  definition: 人大监督的四类机关", "  definition: [oops"), 10, "not valid YAML"),
])
def test_check_reports_each_error_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                                                line: int, message: str) -> None:
    path = write(tmp_path, text)
    code, out, _ = run(["lexicon", "check", str(path)], capsys)
    assert code == 2
    assert f"{path}:{line}: " in out and message in out


def test_check_clean_file_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["lexicon", "check", str(write(tmp_path, GOOD))], capsys)
    assert code == 0 and "2 entries" in out


def test_own_categories_nested_paths_and_optional_definitions(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    text = ("- term: 优化营商环境\n  category: 经济/营商环境\n- term: 生态环保\n  category: 环保\n"
            "  definition: 生态环境保护\n")
    path = write(tmp_path, text)
    code, out, _ = run(["lexicon", "check", str(path)], capsys)
    assert code == 0
    assert f"{path}:1: warning: no definition of '优化营商环境'" in out
    lex = load_lexicon(path)
    assert list(lex.categories) == ["经济/营商环境", "环保"]
    assert [e.term for e in lex.in_category("经济")] == ["优化营商环境"]


def test_declared_categories_keep_their_definitions(tmp_path: Path) -> None:
    lex = load_lexicon(write(tmp_path, DECLARED))
    assert lex.categories == {"代表工作": "代表的工作", "监督": "监督工作"}
    assert lex.name == "lex" and {e.dictionary for e in lex} == {"lex"}


def test_a_term_in_two_categories_is_allowed_and_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD + "- term: 双联\n  category: 监督\n  definition: x\n")
    code, out, _ = run(["lexicon", "check", str(path)], capsys)
    assert code == 0 and f"{path}:10: note: '双联' counts for both '代表工作' (line 1) and '监督'" in out
    assert {e.category for e in load_lexicon(path).lookup_all("双联")} == {"代表工作", "监督"}


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n' \
           "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    with pytest.raises(ConfigError, match=r"lex.yaml:1: YAML anchors and aliases"):
        load_lexicon(write(tmp_path, bomb))
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_lexicon(write(tmp_path, "- term: [unclosed\n"))


def test_plus_adds_to_the_shipped_lexicon(tmp_path: Path) -> None:
    mine = write(tmp_path, "- term: 营商环境评价指数\n  category: 营商环境\n", "mine.yaml")
    lex = load_lexicon(f"+{mine}")
    assert lex.lookup("双联").dictionary == "policy_terms" and lex.lookup("营商环境评价指数").dictionary == "mine"
    assert lex.dictionaries == ["policy_terms", "mine"]


def test_check_lists_terms_the_tokenizer_splits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["lexicon", "check", str(write(tmp_path, GOOD)), "--tokenizer", "jieba"], capsys)
    assert code == 0 and "jieba: 0 lexicon form(s) split" in out


def test_loading_a_bad_lexicon_is_one_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, DECLARED.replace("category: 监督", "category: 经济"))
    with pytest.raises(ConfigError, match=r"lex.yaml:11: category '经济' of '一府一委两院' is not declared"):
        load_lexicon(path)


REPORT_A = """\
某市人民代表大会常务委员会工作报告
2031年1月10日
一、推行“三治融合”，落实“一核两翼”布局。
二、建立代表履职积分兑换机制，完善代表履职积分兑换机制，推行“三治融合”。
三、坚持“一府一委两院”报告制度。
"""
REPORT_B = """\
某县人民代表大会常务委员会工作报告
2029年1月5日
常委会探索代表履职积分兑换机制，推动“三治融合”走深走实，做到三个聚焦、落实五个一线工作法。
"""


def test_discover_ranks_new_phrases_in_lexicon_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write(docs, REPORT_A, "a.txt")
    write(docs, REPORT_B, "b.txt")
    out_path = tmp_path / "cands.yaml"
    code, _, _ = run(["lexicon", "discover", str(docs), "-o", str(out_path), "-n", "10"], capsys)
    assert code == 0
    text = out_path.read_text(encoding="utf-8")
    entries = yaml.safe_load(text)
    terms = [e["term"] for e in entries]
    assert terms[0] == "三治融合"  # quoted, in both reports, three times
    assert "一核两翼" in terms and "代表履职积分兑换机制" in terms
    assert "一府一委两院" not in terms  # already in the lexicon
    first = entries[0]
    assert first["category"] == "?" and first["definition"] == "?" and first["since"] == 2029
    assert "freq 3 | docs 2" in text and "推行“【三治融合】”，落实" in text
    assert "三个聚焦" in terms  # a numbered formula, seen once
    code, out, _ = run(["lexicon", "check", str(out_path)], capsys)
    assert code == 2 and "needs a curator" in out


def test_kwic_alias_tsv_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = write(tmp_path, "一是落实“双联”制度。\n二是推进常委会组成人员联系代表、代表联系群众。\n", "r.txt")
    code, out, _ = run(["lexicon", "kwic", "双联", str(doc), "--width", "3"], capsys)
    lines = out.splitlines()
    header = lines[0].split("\t")
    assert code == 0 and header[:2] == ["doc_id", "path"]
    row = dict(zip(header, lines[1].split("\t"), strict=True))
    assert (row["start"], row["end"], row["left"], row["match"], row["right"]) == ("5", "7", "落实“", "双联", "”制度")
    assert len(lines) == 3
    code, out, _ = run(["lexicon", "kwic", "双联", str(doc), "--json"], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    raw = doc.read_text(encoding="utf-8")
    assert [raw[r["start"] : r["end"]] for r in rows] == [r["match"] for r in rows]
    assert rows[0]["quoted"] is True and rows[1]["canonical"] == "双联"


def test_discover_near_a_users_category(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write(docs, "一、持续优化营商环境，推行“企业服务专员”制度。\n二、落实“双联”制度，推行“三治融合”。\n", "a.txt")
    write(docs, "优化营商环境，推广“企业服务专员”。\n", "b.txt")
    mine = write(tmp_path, "categories: {营商环境: 企业经营环境}\nterms:\n"
                           "  - term: 优化营商环境\n    category: 营商环境\n", "mine.yaml")
    out_path = tmp_path / "cands.yaml"
    code, _, _ = run(["lexicon", "discover", str(docs), "--lexicon", str(mine), "--near", "营商环境", "-o",
                      str(out_path)], capsys)
    text = out_path.read_text(encoding="utf-8")
    terms = [e["term"] for e in yaml.safe_load(text)]
    assert code == 0 and terms == ["企业服务专员"]
    assert "near 营商环境 2" in text and "set category (营商环境)" in text
    code, _, err = run(["lexicon", "discover", str(docs), "--near", "没有"], capsys)
    assert code == 2 and "no lexicon category" in err
