"""Agreement between two coders' label files, before anyone trains on them.

Each file (JSONL, CSV or XLSX) has an ``id`` column and labels in any form
``policytag train`` reads (a list, a delimited string, or one 0/1 column per
label). Rows are joined by id. Per label: Cohen's kappa (scikit-learn's
``cohen_kappa_score``), Krippendorff's alpha (nominal, the ``krippendorff``
package), raw agreement and the 2×2 table; overall: the share of rows whose
label sets are identical. The rows where the coders differ can be written out
for a reconciliation meeting.

>>> a = Coding("a", {"1": ["监督"], "2": []}, {})
>>> b = Coding("b", {"1": ["监督"], "2": ["监督"]}, {})
>>> agreement(a, b, ["监督"])["per_label"]["监督"]["raw_agreement"]
0.5
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError


@dataclass
class Coding:
    """One coder's labels by row id (and the row texts, when the file has them)."""

    name: str
    labels: dict[str, list[str]]
    texts: dict[str, str] = field(default_factory=dict)


def read_coding(path: str | Path, id_field: str = "id", label_field: str = "labels", text_field: str = "text",
                labels: list[str] | None = None) -> Coding:
    """A coder's file: ids must be present and distinct; labels as ``policytag train`` reads them."""
    from .train import _flag_columns, _is_flag, _label_list, _read_rows

    path = Path(path)
    rows, first = _read_rows(path)
    present = [r for r in rows if r is not None]
    if not present:
        raise ConfigError(f"{path}: no rows")
    columns = list(dict.fromkeys(k for r in present for k in r))
    if id_field not in columns:
        raise ConfigError(f"{path}: no {id_field!r} column to join the coders on (columns: "
                          f"{', '.join(columns[:12])}); use --id-field")
    flags = [] if label_field in columns else _flag_columns(present, columns, labels)
    if label_field not in columns and not flags:
        raise ConfigError(f"{path}: no labels: expected a {label_field!r} column or one 0/1 column per label")
    coded: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    allowed = set(labels) if labels else None
    for i, row in enumerate(rows):
        if row is None:
            continue
        where = f"{path}:{i + first}"
        raw_id = row.get(id_field)
        if raw_id is None or (isinstance(raw_id, float) and math.isnan(raw_id)) or not str(raw_id).strip():
            raise ConfigError(f"{where}: empty {id_field!r}")
        key = _id_text(raw_id)
        if key in coded:
            raise ConfigError(f"{where}: id {key!r} appears twice; each row must have its own id")
        if label_field in columns:
            found = _label_list(row.get(label_field), where)
        else:
            found = []
            for col in flags:
                try:
                    if _is_flag(row.get(col)):
                        found.append(col)
                except ValueError:
                    raise ConfigError(f"{where}: column {col!r} must be 0 or 1, got {row.get(col)!r}") from None
        if allowed is not None:
            unknown = [lab for lab in found if lab not in allowed]
            if unknown:
                raise ConfigError(f"{where}: unknown label {unknown[0]!r} (expected one of {', '.join(labels)})")
        coded[key] = found
        text = row.get(text_field)
        if isinstance(text, str) and text.strip():
            texts[key] = text.strip()
    return Coding(path.name, coded, texts)


def _id_text(value: Any) -> str:
    """Ids as text; 12.0 from a spreadsheet is the same id as "12"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    """Cohen's kappa; None when it is undefined (both coders gave one constant answer)."""
    from sklearn.metrics import cohen_kappa_score

    if len(set(a.tolist()) | set(b.tolist())) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = cohen_kappa_score(a, b)
    return None if math.isnan(value) else float(value)


def _alpha(a: np.ndarray, b: np.ndarray) -> float | None:
    """Krippendorff's alpha (nominal); None when every value is the same (no variation to agree on)."""
    import krippendorff

    if len(set(a.tolist()) | set(b.tolist())) < 2:
        return None
    value = krippendorff.alpha(reliability_data=np.vstack([a, b]).astype(float), level_of_measurement="nominal")
    return None if math.isnan(value) else float(value)


def agreement(a: Coding, b: Coding, labels: list[str] | None = None) -> dict[str, Any]:
    """Per-label kappa, alpha, raw agreement and 2×2 counts over the ids both coders labeled."""
    common = [i for i in a.labels if i in b.labels]
    if not common:
        raise ConfigError(f"{a.name} and {b.name} share no id: nothing to compare (are the ids the same rows?)")
    seen = list(dict.fromkeys(lab for c in (a, b) for i in common for lab in c.labels[i]))
    order = list(labels or []) + [lab for lab in seen if lab not in (labels or [])]
    per: dict[str, dict[str, Any]] = {}
    for lab in order:
        ya = np.array([lab in a.labels[i] for i in common])
        yb = np.array([lab in b.labels[i] for i in common])
        per[lab] = {
            "kappa": _round(_kappa(ya, yb)),
            "alpha": _round(_alpha(ya, yb)),
            "raw_agreement": round(float(np.mean(ya == yb)), 4),
            "both": int((ya & yb).sum()), "only_a": int((ya & ~yb).sum()),
            "only_b": int((~ya & yb).sum()), "neither": int((~ya & ~yb).sum()),
        }
    kappas = [r["kappa"] for r in per.values() if r["kappa"] is not None]
    same = [set(a.labels[i]) == set(b.labels[i]) for i in common]
    return {
        "coders": [a.name, b.name],
        "rows": len(common),
        "only_in_a": len([i for i in a.labels if i not in b.labels]),
        "only_in_b": len([i for i in b.labels if i not in a.labels]),
        "exact_agreement": round(float(np.mean(same)), 4),
        "mean_kappa": _round(float(np.mean(kappas)) if kappas else None),
        "per_label": per,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def disagreements(a: Coding, b: Coding, labels: list[str] | None = None) -> list[dict[str, Any]]:
    """The rows whose label sets differ: id, text, both coders' labels and what only each gave."""
    order = list(labels or [])

    def ordered(items: set[str]) -> list[str]:
        return [lab for lab in order if lab in items] + sorted(items - set(order))

    rows = []
    for i in a.labels:
        if i not in b.labels:
            continue
        la, lb = set(a.labels[i]), set(b.labels[i])
        if la == lb:
            continue
        rows.append({"id": i, "text": a.texts.get(i) or b.texts.get(i, ""),
                     f"labels_{a.name}": "|".join(ordered(la)), f"labels_{b.name}": "|".join(ordered(lb)),
                     "only_a": "|".join(ordered(la - lb)), "only_b": "|".join(ordered(lb - la))})
    return rows


def format_agreement(result: dict[str, Any]) -> str:
    from .train import _pad

    a, b = result["coders"]

    def num(v: float | None) -> str:
        return "–" if v is None else f"{v:.3f}"

    lines = [f"{result['rows']} rows coded by both {a} and {b} (only in {a}: {result['only_in_a']}, "
             f"only in {b}: {result['only_in_b']})",
             f"{'label':<10}{'kappa':>8}{'alpha':>8}{'agree':>8}{'both':>7}{'A only':>8}{'B only':>8}{'neither':>9}"]
    for lab, r in result["per_label"].items():
        lines.append(f"{_pad(lab, 10)}{num(r['kappa']):>8}{num(r['alpha']):>8}{r['raw_agreement']:>8.3f}"
                     f"{r['both']:>7}{r['only_a']:>8}{r['only_b']:>8}{r['neither']:>9}")
    lines.append(f"identical label sets: {result['exact_agreement']:.3f}; mean kappa over labels: "
                 f"{num(result['mean_kappa'])}  (A = {a}, B = {b}; – = undefined: one coder never varies)")
    return "\n".join(lines)
