"""Relabel data/team_paragraphs.jsonl under the sharper rules (2026-12) of ../shared/ANNOTATION.md.

    python3 data/relabel_team.py [--check]

Every changed row is listed below with the rule that decides it and the labels it
had before, so the change is a reviewed diff kept as code: the script refuses to
touch a row whose current labels are neither the old nor the new set, and rerunning
it changes nothing. ``--check`` only reports what would change (exit 1 if anything).
Only ``labels`` change; every other byte of a row stays as it was.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

TEAM = Path(__file__).resolve().parent / "team_paragraphs.jsonl"
LABELS = ("监督", "立法", "代表工作", "自身建设", "决定任免")

# id: (labels before, labels after, rule, why)
CHANGES: dict[str, tuple[list[str], list[str], str, str]] = {
    "t0015": (["监督", "代表工作"], ["代表工作"], "3", "a 视察 made by county and township deputies (代表视察), "
              "not the committee's own 执法检查/专题询问/测评"),
    "t0065": (["监督", "代表工作"], ["代表工作"], "3", "a 代表视察团 of deputies inspects: 代表视察"),
    "t0106": (["监督", "代表工作"], ["代表工作"], "3", "a 代表在行动 campaign of deputies: a deputies' activity"),
    "t0144": (["监督", "代表工作"], ["代表工作"], "3", "deputies inspect the 厕所革命 (代表视察)"),
    "t0153": (["监督"], ["监督", "代表工作"], "3", "provincial deputies take part in the committee's own "
              "supervision research on government debt (deputies in supervision: both labels)"),
    "t0174": (["监督"], ["监督", "代表工作"], "3", "deputies form the committee's 评议组 and rate the government's "
              "work (测评): deputies in the committee's own supervision, as t0175"),
    "t0060": ([], ["自身建设"], "1", "the committee's own 政治意识/大局意识 and 维护党中央权威 (the 四个意识/两个维护 "
              "wording as its own conduct), labeled 自身建设 in the real rows (w0032, n0009)"),
    "t0241": ([], ["自身建设"], "1", "用党的创新理论武装头脑 and 两个确立 as the committee's own conduct (理论武装)"),
    "t0242": (["自身建设"], ["代表工作", "自身建设"], "-", "also organizes the deputies' study of the congress "
              "report: training of deputies is 代表工作 (data README)"),
    "t0220": ([], ["监督"], "2", "heading 二、突出监督重点，增强监督实效 names supervision work"),
    "t0248": ([], ["代表工作"], "2", "heading 三、发挥代表主体作用，提升代表履职水平 names deputy work"),
}


def canonical(labels: list[str]) -> list[str]:
    return [lab for lab in LABELS if lab in labels]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="report pending changes, write nothing")
    args = ap.parse_args()
    lines = TEAM.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    ids = {r["id"] for r in rows}
    missing = sorted(set(CHANGES) - ids)
    if missing:
        print(f"relabel_team: ids not in {TEAM.name}: {', '.join(missing)}", file=sys.stderr)
        return 2
    delta: Counter[str] = Counter()
    changed = []
    for i, r in enumerate(rows):
        if r["id"] not in CHANGES:
            continue
        old, new, rule, _why = CHANGES[r["id"]]
        old, new = canonical(old), canonical(new)
        if r["labels"] == new:
            continue
        if r["labels"] != old:
            print(f"relabel_team: {r['id']} has {r['labels']}, expected {old} (or {new}); not changed", file=sys.stderr)
            return 2
        for lab in set(old) - set(new):
            delta[lab] -= 1
        for lab in set(new) - set(old):
            delta[lab] += 1
        changed.append(f"{r['id']} (rule {rule}): {old or '[]'} -> {new or '[]'}")
        r["labels"] = new
        # replace only the labels value so every other byte of the line stays the same
        lines[i] = lines[i].replace(json.dumps(old, ensure_ascii=False), json.dumps(new, ensure_ascii=False), 1)
        assert json.loads(lines[i]) == r, r["id"]
    for line in changed:
        print(line)
    print(f"{len(changed)} rows changed; per label: " + ", ".join(f"{lab} {delta[lab]:+d}" for lab in LABELS))
    if args.check:
        return 1 if changed else 0
    if changed:
        TEAM.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
