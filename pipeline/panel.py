"""Diffusion panel: one row per place × year for an event-history model of a term's adoption.

Built from tagged paragraphs (``stats.load_tagged``). A place's rows run from
the year of its first report to the year of its last; a year in between
without a report is a row with ``observed = 0`` (``mentioned`` empty), not a
gap. Neighbours are counted by GB/T 2260 region code: the same province, the
same level, and the places containing this one (its city, its province).

>>> import pandas as pd
>>> from policytag import stats
>>> frame = stats.normalize(pd.DataFrame({
...     "doc_id": ["a", "b", "c"], "text": ["推行票决制", "无", "推行票决制"], "labels": [[], [], []],
...     "place": ["衡阳市", "衡阳市", "株洲市"], "year": [2019, 2021, 2020]}))
>>> p = panel_table(frame, ["票决制"])[0]
>>> cols = ["place", "year", "observed", "mentioned", "adopted", "n_prior_adopters_same_province"]
>>> for row in p[cols].itertuples(index=False):
...     print(*row)
株洲市 2020 1 1 1 1
衡阳市 2019 1 1 1 0
衡阳市 2020 0 <NA> 1 0
衡阳市 2021 1 0 1 1
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .reuse import contains
from .stats import _matches

PANEL_COLUMNS = [
    "place", "level", "province", "region_code", "term", "year", "observed", "mentioned", "mentions", "adopted",
    "first_year", "event", "at_risk", "n_prior_adopters_same_province", "share_prior_adopters_same_level_in_province",
    "higher_level_mentioned_before", "n_docs",
]


def _region(place: str, province: Any, code: Any) -> tuple[str | None, str | None, str | None]:
    """(region code, level 省/市/县区, province) of a place, looked up when the data lacks them."""
    from .regions import level_of, lookup

    if isinstance(code, str) and len(code) == 6 and code.isdigit():
        region = lookup(place, province if isinstance(province, str) else None)
        prov = region.province if region is not None and region.code == code else None
        return code, level_of(code), prov or (province if isinstance(province, str) else None)
    region = lookup(place, province if isinstance(province, str) else None)
    if region is None or region.code is None:
        return None, None, province if isinstance(province, str) else None
    return region.code, region.level, region.province


def mention_counts(frame: pd.DataFrame, term: str) -> tuple[pd.Series, str]:
    """Mentions of ``term`` per paragraph: lexicon matches (canonical or surface), else text occurrences."""
    by_lexicon = any(_matches(t, term) for terms in frame["terms"] for t in terms)
    if by_lexicon:
        return frame["terms"].map(lambda ts: sum(_matches(t, term) for t in ts)), "lexicon"
    return frame["text"].str.count(re.escape(term)), "text"


def panel_table(frame: pd.DataFrame, terms: Sequence[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The panel for each term (stacked), and what was left out and why (for the notes)."""
    left = {"no_year_docs": sorted(frame.loc[frame["year"].isna(), "doc_id"].astype(str).unique()),
            "no_place_docs": sorted(frame.loc[frame["year"].notna() & frame["place"].isna(), "doc_id"]
                                    .astype(str).unique()),
            "unknown_places": [], "never_mentioned": [], "matched_by": {}}
    frame = frame[frame["year"].notna() & frame["place"].notna()]
    places = _place_table(frame)
    left["unknown_places"] = sorted(places.loc[places["region_code"].isna(), "place"])
    tables = []
    for term in terms:
        counts, how = mention_counts(frame, term)
        left["matched_by"][term] = how
        part = frame.assign(_n=counts.to_numpy())
        observed = part.groupby(["place", "year"]).agg(mentions=("_n", "sum"), n_docs=("doc_id", "nunique"))
        table = _expand(observed, places, term)
        if not table["mentions"].fillna(0).any():
            left["never_mentioned"].append(term)
        tables.append(table)
    panel = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=PANEL_COLUMNS)
    return panel[PANEL_COLUMNS], left


def _place_table(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for place, part in frame.groupby("place", sort=True):
        province = part["province"].dropna().iloc[0] if part["province"].notna().any() else None
        code = part["region_code"].dropna().astype(str).iloc[0] if part["region_code"].notna().any() else None
        code, level, province = _region(str(place), province, code)
        rows.append({"place": place, "region_code": code, "level": level, "province": province})
    return pd.DataFrame(rows, columns=["place", "region_code", "level", "province"])


def _expand(observed: pd.DataFrame, places: pd.DataFrame, term: str) -> pd.DataFrame:
    """Every year of each place's span, with adoption and the neighbours' history up to that year."""
    info = places.set_index("place")
    first = {}
    for (place, year), row in observed.iterrows():
        if row["mentions"] > 0 and (place not in first or year < first[place]):
            first[place] = int(year)
    rows = []
    for place, part in observed.groupby(level="place", sort=True):
        years = [int(y) for y in part.index.get_level_values("year")]
        meta = info.loc[place]
        for year in range(min(years), max(years) + 1):
            seen = (place, year) in observed.index
            mentions = int(observed.loc[(place, year), "mentions"]) if seen else None
            fy = first.get(place)
            rows.append({
                "place": place, "level": meta["level"], "province": meta["province"],
                "region_code": meta["region_code"], "term": term, "year": year, "observed": int(seen),
                "mentioned": int(mentions > 0) if seen else None, "mentions": mentions,
                "adopted": int(fy is not None and fy <= year), "first_year": fy,
                "event": int(fy == year), "at_risk": int(fy is None or year <= fy),
                **_neighbours(place, year, meta, info, first),
                "n_docs": int(observed.loc[(place, year), "n_docs"]) if seen else 0,
            })
    table = pd.DataFrame(rows, columns=PANEL_COLUMNS)
    for col in ("year", "observed", "mentioned", "mentions", "adopted", "first_year", "event", "at_risk",
                "n_prior_adopters_same_province", "higher_level_mentioned_before", "n_docs"):
        table[col] = table[col].astype("Int64")
    table["share_prior_adopters_same_level_in_province"] = \
        table["share_prior_adopters_same_level_in_province"].astype("Float64")
    return table


def _neighbours(place: str, year: int, meta: pd.Series, info: pd.DataFrame, first: dict[str, int]) -> dict[str, Any]:
    """Prior adopters (first mention before ``year``) among this place's neighbours in the input."""
    province, code, level = meta["province"], meta["region_code"], meta["level"]
    others = info.drop(index=place)
    known = isinstance(province, str)
    same_prov = others[others["province"] == province] if known else others.iloc[0:0]
    prior = [p for p in same_prov.index if first.get(p) is not None and first[p] < year]
    same_level = same_prov[same_prov["level"] == level] if level is not None else same_prov.iloc[0:0]
    level_prior = sum(first.get(p) is not None and first[p] < year for p in same_level.index)
    higher = None
    if code is not None and not pd.isna(code):
        above = [p for p, c in others["region_code"].items() if isinstance(c, str) and contains(c, code)]
        if above:
            higher = int(any(first.get(p) is not None and first[p] < year for p in above))
    return {"n_prior_adopters_same_province": len(prior) if isinstance(province, str) else None,
            "share_prior_adopters_same_level_in_province": level_prior / len(same_level) if len(same_level)
            else None,
            "higher_level_mentioned_before": higher}
