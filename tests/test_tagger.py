"""The library API: ``policytag.load()``, ``Tagger.tag`` / ``tag_text`` / ``tag_file`` / ``pipe``."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
from pathlib import Path

import pytest

import policytag
from policytag.errors import ConfigError, InputError
from policytag.normalize import normalize
from policytag.read import read_path
from policytag.tagger import Tagger, looks_like_path

ROOT = Path(__file__).resolve().parent.parent
POLICYTAG = str(Path(sys.executable).with_name("policytag"))

REPORT = ("东岭县人大常委会工作报告\n\n一、依法履行监督职能\n常委会听取审议专项工作报告四个，组织执法检查两次。\n"
          "二、代表工作\n深入推进“双联”工作，落实民生实事项目人大代表票决制。\n")
# Traditional script, hard-wrapped lines (a line break inside phrases) and full-width digits:
# offsets must still index the raw text.
_BODY = ("常委會堅持問題導向，組織執法檢查３次，聽取審議專項工作報告５個，開展專題詢問一次，推進「雙聯」工作，"
         "督促有關部門整改落實，取得明顯成效，群眾滿意度不斷提高。") * 2
TRADITIONAL = "西山區人大常委會工作報告\n" + "\n".join(_BODY[i : i + 24] for i in range(0, len(_BODY), 24)) + "\n"


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return policytag.load()


def _cli_records(path: Path, tmp_path: Path) -> list[dict]:
    out = tmp_path / f"{path.name}.jsonl"
    subprocess.run([POLICYTAG, "tag", str(path), "-o", str(out)], check=True, capture_output=True)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _as_json(records: list[dict]) -> list[dict]:
    return [json.loads(json.dumps(r, ensure_ascii=False)) for r in records]


@pytest.mark.parametrize("name", ["report.txt", "gbk.txt"])
def test_tag_returns_what_the_cli_writes(tagger: Tagger, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name == "gbk.txt":
        path.write_bytes(REPORT.encode("gbk"))
    else:
        path = ROOT / "examples" / "report.txt"
    records = tagger.tag(str(path))
    cli = _cli_records(path, tmp_path)
    assert len(records) == len(cli) > 3
    for ours, theirs in zip(_as_json(records), cli, strict=True):
        assert ours == theirs
    assert any(r["terms"] for r in records) and any(r["labels"] for r in records)


def test_path_object_and_existing_file_without_extension_are_files(tagger: Tagger, tmp_path: Path) -> None:
    path = tmp_path / "REPORT"
    path.write_text(REPORT, encoding="utf-8")
    as_path, as_str = tagger.tag(path), tagger.tag(str(path))
    assert as_path == as_str
    assert as_path[0]["path"] == str(path) and as_path[0]["text"] == "东岭县人大常委会工作报告"


def test_text_is_text(tagger: Tagger) -> None:
    records = tagger.tag(REPORT)
    assert [r["path"] for r in records] == ["<text>"] * len(records)
    assert records == tagger.tag_text(REPORT)
    one_line = tagger.tag("常委会开展专题询问。")  # one line, not a file: text
    assert [t["canonical"] for t in one_line[0]["terms"]] == ["专题询问"]
    assert tagger.tag_text(REPORT, name="东岭.txt")[0]["path"] == "东岭.txt"


def test_missing_file_is_an_error_not_text(tagger: Tagger, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="reprot.txt"):
        tagger.tag(str(tmp_path / "reprot.txt"))
    with pytest.raises(InputError):
        tagger.tag(tmp_path / "missing")  # a Path is always a file
    with pytest.raises(TypeError):
        tagger.tag(b"bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "expected"), [
    ("reports/2023.docx", True), ("a.HTML", True), ("常委会开展专题询问。", False),
    ("第一行\n第二行.txt", False), ("", False), ("x" * 5000 + ".txt", False),
])
def test_looks_like_path(value: str, expected: bool) -> None:
    assert looks_like_path(value) is expected


def test_pipe_keeps_order_and_goes_on_after_a_bad_input(tagger: Tagger, tmp_path: Path) -> None:
    good, empty = tmp_path / "good.txt", tmp_path / "empty.txt"
    good.write_text(REPORT, encoding="utf-8")
    empty.write_text("  \n", encoding="utf-8")
    results = list(tagger.pipe([good, tmp_path / "missing.txt", empty, str(good)]))
    assert [s for s, _ in results] == [str(good), str(tmp_path / "missing.txt"), str(empty), str(good)]
    kinds = [type(r).__name__ for _, r in results]
    assert kinds == ["list", "InputError", "InputError", "list"]
    assert [p.to_dict() for p in results[0][1]] == tagger.tag_file(good)


def test_offsets_index_the_original_text(tagger: Tagger, tmp_path: Path) -> None:
    path = tmp_path / "trad.txt"
    path.write_bytes(TRADITIONAL.encode("big5"))
    raw = read_path(path).raw
    records = tagger.tag(path)
    terms = [t for r in records for t in r["terms"]]
    assert [t["canonical"] for t in terms] == ["执法检查", "专项工作报告", "专题询问", "双联"] * 2
    assert len(records) == 2  # the wrapped lines are one paragraph
    for r in records:
        assert normalize(raw[r["start"] : r["end"]]).text.replace("\n", "") == r["text"]
    for t in terms:
        original = raw[t["start"] : t["end"]]
        assert normalize(original).text.replace("\n", "") == t["term"]
    assert [raw[t["start"] : t["end"]] for t in terms[:2]] == ["執法檢查", "聽取審議專\n項工作報告"]
    assert terms[1]["term"] == "听取审议专项工作报告"


def test_overrides_and_config_errors(tmp_path: Path) -> None:
    sentences = policytag.load(segment__unit="sentence").tag_text("常委会开展执法检查。听取专项工作报告。\n")
    assert [r["text"] for r in sentences] == ["常委会开展执法检查。", "听取专项工作报告。"]
    with_tokens = policytag.load(output__tokens=True).tag_text("推进民生实事项目人大代表票决制。")
    assert with_tokens[0]["tokens"] == ["推进", "民生实事项目人大代表票决制", "。"]
    assert "tokens" not in policytag.load().tag_text("推进双联工作。")[0]
    with pytest.raises(ConfigError, match="unknown config key"):
        policytag.load(match__no_such_key=1)
    config = tmp_path / "my.toml"
    config.write_text('[match]\noverlaps = true\n', encoding="utf-8")
    assert policytag.load(config).config["match"]["overlaps"] is True


def test_labels_and_lazy_exports(tagger: Tagger) -> None:
    assert tagger.labels == ["监督", "立法", "代表工作", "自身建设", "决定任免"]
    assert policytag.Tagger is Tagger
    with pytest.raises(AttributeError):
        policytag.no_such_thing  # noqa: B018


@pytest.mark.parametrize("module", ["policytag", "policytag.tagger", "policytag.batch"])
def test_docstring_examples_run(module: str) -> None:
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
