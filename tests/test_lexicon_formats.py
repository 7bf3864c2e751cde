"""Dictionaries in the formats researchers have: read, checked with file and line, converted, used by tag.

Every dictionary here is written for these tests (no third-party dictionary is copied).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policytag.cli import main
from policytag.errors import ConfigError
from policytag.lexicon import load_lexicon
from policytag.lexicon_formats import detect_format, read_dictionary, to_quanteda_yaml
from policytag.match import Matcher

QUANTEDA = """\
经济:
  营商环境:
    - 优化营商环境
    - 营商*
  民生: [就业, 养老服务]
生态环保:
  - 河长制
  - 生态环境保护
"""
LIWC = "%\n1\t经济/营商环境\n2\t经济/民生\n3\t生态环保\n%\n" \
       "优化营商环境\t1\n营商*\t1\n就业\t2\n养老服务\t2\n河长制\t3\n生态环境保护\t3\n"
LEXICODER = "+经济/营商环境\n优化营商环境\n营商*\n+经济/民生\n就业\n养老服务\n+生态环保\n河长制\n生态环境保护\n"
WORDSTAT = "经济\n\t营商环境\n\t\t优化营商环境 (1)\n\t\t营商* (1)\n\t民生\n\t\t就业 (1)\n\t\t养老服务 (1)\n" \
           "生态环保\n\t河长制 (1)\n\t生态环境保护 (1)\n"
CSV = "term,category,variants,definition\n" \
      "优化营商环境,经济/营商环境,营商环境优化,改善企业经营环境\n营商*,经济/营商环境,,\n" \
      "就业,经济/民生,,\n养老服务,经济/民生,,\n河长制,生态环保,河湖长制|河长,\n生态环境保护,生态环保,,\n"
EXPECTED = {("优化营商环境", "经济/营商环境"), ("营商*", "经济/营商环境"), ("就业", "经济/民生"),
            ("养老服务", "经济/民生"), ("河长制", "生态环保"), ("生态环境保护", "生态环保")}
TEXT = "持续优化营商环境，稳定就业，全面推行河长制。"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def xlsx(path: Path, rows: list[list[str]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def pairs(lex) -> set[tuple[str, str]]:  # noqa: ANN001
    return {(e.term, e.category) for e in lex}


@pytest.mark.parametrize(("name", "text", "encoding", "fmt"), [
    ("d.yml", QUANTEDA, "utf-8", "quanteda"),
    ("d.dic", LIWC, "utf-8", "liwc"),
    ("d.dic", LIWC, "utf-16", "liwc"),
    ("d.lc3", LEXICODER, "utf-8", "lexicoder"),
    ("d.lcd", LEXICODER, "gb18030", "lexicoder"),
    ("d.cat", WORDSTAT, "utf-8", "wordstat"),
    ("d.csv", CSV, "utf-8-sig", "csv"),
    ("d.csv", CSV, "gbk", "csv"),
    ("d.tsv", CSV.replace(",", "\t"), "utf-8", "tsv"),
    ("d.txt", CSV, "utf-8", "csv"),  # unknown extension: told by its header
])
def test_every_format_reads_to_the_same_dictionary(tmp_path: Path, name: str, text: str, encoding: str,
                                                   fmt: str) -> None:
    path = write(tmp_path / name, text, encoding)
    assert detect_format(path) == fmt
    lex = load_lexicon(path)
    assert pairs(lex) == EXPECTED
    found = {(t.canonical, t.category, t.dictionary) for t in Matcher(lex).find(TEXT)}
    assert ("优化营商环境", "经济/营商环境", "d") in found and ("营商*", "经济/营商环境", "d") in found
    assert ("就业", "经济/民生", "d") in found and ("河长制", "生态环保", "d") in found


def test_xlsx_with_chinese_headers_and_variants(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "d.xlsx", [["词条", "类别", "变体", "释义"],
                                      ["河长制", "生态环保", "河湖长制|河长", "河湖管理责任制"],
                                      ["就业", "民生", None, None]])
    lex = load_lexicon(path)
    entry = lex.lookup("河湖长制")
    assert entry.term == "河长制" and entry.definition == "河湖管理责任制" and entry.variants == ("河湖长制", "河长")


def test_quanteda_nesting_gives_category_paths(tmp_path: Path) -> None:
    lex = load_lexicon(write(tmp_path / "d.yaml", QUANTEDA))
    assert list(lex.categories) == ["经济", "经济/营商环境", "经济/民生", "生态环保"]
    assert {e.term for e in lex.in_category("经济")} == {"优化营商环境", "营商*", "就业", "养老服务"}


@pytest.mark.parametrize(("name", "text", "line", "message"), [
    ("d.dic", LIWC.replace("就业\t2", "就业\t7"), 8, "category 7 of '就业' is not declared in the '%' header"),
    ("d.dic", LIWC.replace("就业\t2", "就业\t"), 8, "'就业' has no category numbers"),
    ("d.dic", "1\t经济\n", 1, "not a LIWC .dic: the file must start with a '%' line"),
    ("d.lc3", "就业\n+民生\n", 1, "comes before any '+category' line"),
    ("d.csv", CSV.replace("就业,经济/民生", "就业,"), 4, "row needs a term and a category"),
    ("d.csv", CSV + "河长制,生态环保,,\n", 8, "duplicate term '河长制' (first at line 6)"),
    ("d.csv", CSV.replace("营商*,", "*,"), 3, "has nothing before '*'"),
    ("d.csv", CSV.replace("营商*,", "re:营商[,"), 3, "invalid regex"),
    ("d.yml", QUANTEDA.replace("- 河长制", "- 河*长"), 7, "'*' is allowed only at the end"),
])
def test_bad_dictionaries_name_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                             text: str, line: int, message: str) -> None:
    path = write(tmp_path / name, text)
    code, out, _ = run(["lexicon", "check", str(path)], capsys)
    assert code == 2
    assert any(row.startswith(f"{path}:{line}: ") and message in row for row in out.splitlines()), out


def test_liwc_conditional_entries_are_a_warning(tmp_path: Path) -> None:
    text = LIWC + "like\t(02 134)125/464\t253\n"
    lex, issues = read_dictionary(write(tmp_path / "d.dic", text))
    assert [str(i).split(": ", 1)[1] for i in issues if i.line == 12] == [
        "warning: conditional entry 'like' is not supported; skipped"]
    assert pairs(lex) == EXPECTED


@pytest.mark.parametrize(("name", "content", "message"), [
    ("d.lcd", "<?xml version='1.0'?><dictionary/>", "this Lexicoder file is not supported"),
    ("d.foo", "something else entirely\n", "unknown dictionary format"),
    ("d.xls", "x", "old Excel .xls is not read"),
])
def test_unsupported_dictionary_stops_tag_before_anything_is_written(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str], name: str,
                                                                     content: str, message: str) -> None:
    report = write(tmp_path / "r.txt", TEXT)
    out = tmp_path / "out.jsonl"
    code, _, err = run(["tag", str(report), "--lexicon", str(write(tmp_path / name, content)), "-o", str(out)],
                       capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_several_dictionaries_each_match_names_its_own(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = write(tmp_path / "r.txt", "常委会开展执法检查。\n持续优化营商环境，全面推行河长制。\n")
    mine = write(tmp_path / "mine.yaml", QUANTEDA)
    liwc = write(tmp_path / "liwc.dic", LIWC)
    out = tmp_path / "out.jsonl"
    code, _, _ = run(["tag", str(report), "--lexicon", f"+{mine}", "--lexicon", str(liwc), "-o", str(out)], capsys)
    assert code == 0
    terms = [t for line in out.read_text(encoding="utf-8").splitlines() for t in json.loads(line)["terms"]]
    got = {(t["canonical"], t["category"], t["dictionary"]) for t in terms}
    assert ("执法检查", "监督", "policy_terms") in got
    assert ("优化营商环境", "经济/营商环境", "mine") in got and ("优化营商环境", "经济/营商环境", "liwc") in got
    assert ("河长制", "生态环保", "liwc") in got and ("河长制", "政策", "policy_terms") in got
    raw = report.read_text(encoding="utf-8")
    assert all(raw[t["start"]: t["end"]] == t["term"] for t in terms)


@pytest.mark.parametrize(("ext", "to"), [("yml", "quanteda"), ("csv", None), ("tsv", None), ("xlsx", None),
                                         ("dic", None), ("yaml", None)])
def test_convert_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str], ext: str, to: str | None) -> None:
    src = write(tmp_path / "src.csv", CSV)
    out = tmp_path / f"out.{ext}"
    code, _, err = run(["lexicon", "convert", str(src), "-o", str(out), *(["--to", to] if to else [])], capsys)
    assert code == 0, err
    back = load_lexicon(out)
    forms = {(f, e.category) for e in back for f in e.forms}
    assert {(f, e.category) for e in load_lexicon(src) for f in e.forms} == forms
    if ext in ("csv", "tsv", "xlsx", "yaml"):  # these keep definitions and variants with their term
        assert back.lookup("营商环境优化").definition == "改善企业经营环境"
    if ext == "yml":
        assert "definitions left out" in err


def test_shipped_lexicon_exports_to_quanteda_and_back() -> None:
    lex = load_lexicon()
    import yaml

    data = yaml.safe_load(to_quanteda_yaml(lex))
    assert set(data) == set(lex.categories)
    assert "票决制" in data["代表工作"] and "双联" in data["代表工作"]


def test_spreadsheet_export_neutralizes_formula_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write(tmp_path / "src.yaml", '- term: 河长制\n  category: 生态环保\n  definition: "=HYPERLINK(\\"http://e\\")"\n')
    out = tmp_path / "out.csv"
    assert run(["lexicon", "convert", str(src), "-o", str(out)], capsys)[0] == 0
    assert "'=HYPERLINK" in out.read_text(encoding="utf-8-sig")
    assert load_lexicon(out).lookup("河长制").definition.startswith("=HYPERLINK")  # read back as written
    xl = tmp_path / "out.xlsx"
    assert run(["lexicon", "convert", str(src), "-o", str(xl)], capsys)[0] == 0
    import zipfile

    assert "<f>" not in zipfile.ZipFile(xl).read("xl/worksheets/sheet1.xml").decode()


def test_convert_refuses_a_dictionary_with_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write(tmp_path / "d.dic", LIWC.replace("就业\t2", "就业\t7"))
    out = tmp_path / "out.csv"
    code, _, err = run(["lexicon", "convert", str(src), "-o", str(out)], capsys)
    assert code == 2 and "category 7" in err and not out.exists()


def test_bad_lexicon_in_every_command_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path / "bad.dic", LIWC.replace("就业\t2", "就业\t7"))
    report = write(tmp_path / "r.txt", TEXT)
    for args in (["tag", str(report)], ["kwic", "就业", str(report)], ["lexicon", "discover", str(report)]):
        code, out, err = run([*args, "--lexicon", str(bad)], capsys)
        assert code == 2 and f"{bad}:8: category 7" in err and out == "", args


def test_read_errors_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="lexicon not found"):
        load_lexicon(tmp_path / "absent.dic")
    with pytest.raises(ConfigError, match="neither UTF-8 nor GBK"):
        load_lexicon(_binary(tmp_path / "d.csv"))


def _binary(path: Path) -> Path:
    path.write_bytes(bytes(range(128, 256)) * 4)
    return path


def test_output_may_not_be_one_of_several_lexicons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = write(tmp_path / "r.txt", TEXT)
    mine = write(tmp_path / "mine.csv", CSV)
    before = mine.read_bytes()
    code, _, err = run(["tag", str(report), "--lexicon", f"+{mine}", "-o", str(mine)], capsys)
    assert code == 2 and "the output is also an input" in err and mine.read_bytes() == before
