"""``policytag dfm``: a Matrix Market document × feature matrix whose counts are the stats counts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import scipy.io
from test_stats import make_records, write_jsonl

from policytag import stats
from policytag.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


@pytest.fixture()
def tagged(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "tagged.jsonl", make_records())


def test_counts_equal_the_stats_term_counts(tagged: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "m.mtx"
    code, _, err = run(["dfm", str(tagged), "-o", str(out)], capsys)
    assert code == 0, err
    matrix = scipy.io.mmread(out).tocsr()
    docs = pd.read_csv(tmp_path / "m_docs.csv", encoding="utf-8-sig")
    feats = pd.read_csv(tmp_path / "m_features.csv", encoding="utf-8-sig")
    assert matrix.shape == (len(docs), len(feats))
    table = stats.term_table(stats.load_tagged([tagged]), ["doc"])
    expected = {(r["doc_id"], r["term"], r["category"]): r["count"] for r in table.to_dict("records")}
    got = {}
    for i, doc in enumerate(docs["doc_id"]):
        row = matrix.getrow(i)
        for j, n in zip(row.indices, row.data, strict=True):
            got[(doc, feats.loc[j, "term"], feats.loc[j, "category"])] = int(n)
    assert got == expected
    assert list(docs["doc_id"]) == list(dict.fromkeys(r["doc_id"] for r in make_records()))
    assert {"place", "year", "province"} <= set(docs.columns)
    assert feats.set_index("term").loc["票决制", "count"] == 3


def test_categories_by_paragraph(tagged: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "c.mtx"
    code, _, _ = run(["dfm", str(tagged), "-o", str(out), "--features", "category", "--by", "paragraph"], capsys)
    assert code == 0
    matrix = scipy.io.mmread(out).tocsr()
    records = make_records()
    feats = pd.read_csv(tmp_path / "c_features.csv", encoding="utf-8-sig")
    assert matrix.shape == (len(records), len(feats))
    col = list(feats["category"]).index("监督方式")
    assert [int(v) for v in matrix[:, col].toarray().ravel()] == [
        sum(t["category"] == "监督方式" for t in r["terms"]) for r in records]
    docs = pd.read_csv(tmp_path / "c_docs.csv", encoding="utf-8-sig")
    assert list(docs["index"]) == [r["index"] for r in records]


def test_output_name_and_empty_input(tagged: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    code, _, err = run(["dfm", str(tagged), "-o", str(tmp_path / "m.csv")], capsys)
    assert code == 2 and "ends in .mtx" in err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    code, _, err = run(["dfm", str(empty), "-o", str(tmp_path / "m.mtx")], capsys)
    assert code == 2 and "no tagged paragraphs" in err
