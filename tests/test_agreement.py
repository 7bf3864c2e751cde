"""policytag agreement: kappa as scikit-learn computes it, alpha, joins by id, disagreement rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.metrics import cohen_kappa_score

from policytag.agreement import Coding, agreement, disagreements, read_coding
from policytag.cli import cli
from policytag.errors import ConfigError

LABELS = ["监督", "立法", "代表工作"]
# Two coders over 12 paragraphs (written for this test). Coder B differs on rows 3, 7, 8 and 11.
A = [["监督"], ["立法"], ["代表工作"], ["监督", "代表工作"], [], ["立法"], ["监督"], [], ["代表工作"], ["监督"],
     ["立法"], ["监督", "立法"]]
B = [["监督"], ["立法"], ["代表工作"], ["代表工作"], [], ["立法"], ["监督"], ["监督"], [], ["监督"], ["立法"], ["立法"]]
TEXTS = [f"第{i}段：常委会开展有关工作。" for i in range(12)]
TEXTS[7] = "=HYPERLINK(\"http://x\")"  # hostile text must not become a formula in the CSV


def _jsonl(path: Path, labels: list[list[str]], ids: list[str] | None = None) -> Path:
    ids = ids or [f"p{i}" for i in range(len(labels))]
    path.write_text("".join(json.dumps({"id": i, "text": t, "labels": lab}, ensure_ascii=False) + "\n"
                            for i, t, lab in zip(ids, TEXTS, labels, strict=False)), encoding="utf-8")
    return path


def test_kappa_equals_scikit_learn_and_alpha_matches_its_definition(tmp_path: Path) -> None:
    a = read_coding(_jsonl(tmp_path / "a.jsonl", A), labels=LABELS)
    b = read_coding(_jsonl(tmp_path / "b.jsonl", B), labels=LABELS)
    result = agreement(a, b, LABELS)
    for lab in LABELS:
        ya = [lab in row for row in A]
        yb = [lab in row for row in B]
        r = result["per_label"][lab]
        assert r["kappa"] == pytest.approx(cohen_kappa_score(ya, yb), abs=1e-4)
        assert r["raw_agreement"] == pytest.approx(np.mean(np.array(ya) == np.array(yb)), abs=1e-4)
        assert r["both"] + r["only_a"] + r["only_b"] + r["neither"] == 12
        # nominal alpha for two coders, no missing values: 1 - (n - 1) * D_o / D_e over the pooled values
        values = np.array(ya + yb)
        n, ones = len(values), values.sum()
        d_o = np.mean(np.array(ya) != np.array(yb))
        d_e = 2 * ones * (n - ones) / (n * (n - 1))
        assert r["alpha"] == pytest.approx(1 - d_o / d_e, abs=1e-4)
    assert result["exact_agreement"] == pytest.approx(8 / 12, abs=1e-4)
    assert result["per_label"]["监督"]["only_a"] == 2 and result["per_label"]["监督"]["only_b"] == 1


def test_undefined_kappa_is_reported_as_none() -> None:
    a = Coding("a", {"1": [], "2": []})
    b = Coding("b", {"1": [], "2": []})
    r = agreement(a, b, ["监督"])["per_label"]["监督"]
    assert r["kappa"] is None and r["alpha"] is None and r["raw_agreement"] == 1.0


def test_files_of_different_formats_are_joined_by_id(tmp_path: Path) -> None:
    import pandas as pd

    a = _jsonl(tmp_path / "a.jsonl", A)
    order = list(range(12))[::-1]  # another row order, one row missing, one extra id
    frame = pd.DataFrame([{"id": f"p{i}", **{lab: int(lab in B[i]) for lab in LABELS}} for i in order[1:]]
                         + [{"id": "extra", "监督": 1, "立法": 0, "代表工作": 0}])
    frame.to_excel(tmp_path / "b.xlsx", index=False)
    frame.assign(labels=["、".join(B[i]) for i in order[1:]] + ["监督"])[["id", "labels"]].to_csv(
        tmp_path / "b.csv", index=False)
    for other in ("b.xlsx", "b.csv"):
        result = agreement(read_coding(a, labels=LABELS), read_coding(tmp_path / other, labels=LABELS), LABELS)
        assert result["rows"] == 11 and result["only_in_a"] == 1 and result["only_in_b"] == 1
        assert result["exact_agreement"] == pytest.approx(8 / 11, abs=1e-4)  # p11 (a disagreement) is missing


def test_bad_files_name_the_file_and_line(tmp_path: Path) -> None:
    dup = tmp_path / "dup.jsonl"
    dup.write_text('{"id": 1, "labels": []}\n{"id": 1, "labels": ["监督"]}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"dup\.jsonl:2: id '1' appears twice"):
        read_coding(dup)
    noid = tmp_path / "noid.jsonl"
    noid.write_text('{"labels": []}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="no 'id' column"):
        read_coding(noid)
    with pytest.raises(ConfigError, match="share no id"):
        agreement(Coding("a", {"1": []}), Coding("b", {"2": []}))


def test_disagreement_rows() -> None:
    a = Coding("a", {str(i): lab for i, lab in enumerate(A)}, {str(i): t for i, t in enumerate(TEXTS)})
    b = Coding("b", {str(i): lab for i, lab in enumerate(B)})
    rows = disagreements(a, b, LABELS)
    assert [r["id"] for r in rows] == ["3", "7", "8", "11"]
    assert rows[0]["only_a"] == "监督" and rows[0]["only_b"] == "" and rows[0]["labels_b"] == "代表工作"


def test_cli_prints_table_and_writes_bom_csv(tmp_path: Path) -> None:
    a, b = _jsonl(tmp_path / "a.jsonl", A), _jsonl(tmp_path / "b.jsonl", B)
    out = tmp_path / "diff.csv"
    result = CliRunner().invoke(cli, ["agreement", str(a), str(b), "-o", str(out)], obj={})
    assert result.exit_code == 0, result.output
    assert "kappa" in result.output and "alpha" in result.output and "12 rows coded by both" in result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    assert text.splitlines()[0] == "id,text,labels_a.jsonl,labels_b.jsonl,only_a,only_b"
    result = CliRunner().invoke(cli, ["agreement", str(a), str(b), "--json"], obj={})
    data = json.loads(result.output.split("\npolicytag:")[0]) if "\npolicytag:" in result.output else None
    data = data or json.loads(result.output[: result.output.rindex("}") + 1])
    assert data["per_label"]["立法"]["kappa"] == pytest.approx(
        cohen_kappa_score([("立法" in r) for r in A], [("立法" in r) for r in B]), abs=1e-4)


def test_cli_never_writes_over_an_input(tmp_path: Path) -> None:
    a, b = _jsonl(tmp_path / "a.jsonl", A), _jsonl(tmp_path / "b.jsonl", B)
    before = a.read_bytes()
    result = CliRunner().invoke(cli, ["agreement", str(a), str(b), "-o", str(a)], obj={})
    assert result.exit_code != 0 and "the output is also an input" in str(result.exception)
    assert a.read_bytes() == before
