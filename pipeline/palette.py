"""One colour per label and lexicon category, the same in every chart and in the HTML report.

The five functions are both paragraph labels and lexicon categories, so a
function has one colour wherever it shows: bar, line, badge or highlighted
term. Colours are Okabe & Ito's colour-blind-safe set (Color Universal Design,
2008); a name outside it (a label of a user's own model) gets a colour from
Paul Tol's colour-blind-safe "muted" set, picked by a hash of the name, so it
too is the same in every chart and every run.

>>> color("监督"), color(NONE_LABEL)
('#0072B2', '#BBBBBB')
>>> color("某新标签") == color("某新标签")
True
"""

from __future__ import annotations

import zlib

NONE_LABEL = "无标签"  # a paragraph that carries no label

# Okabe-Ito, in an order that keeps neighbouring functions apart.
FIXED = {
    "监督": "#0072B2",  # blue
    "立法": "#E69F00",  # orange
    "代表工作": "#009E73",  # bluish green
    "自身建设": "#CC79A7",  # reddish purple
    "决定任免": "#D55E00",  # vermillion
    "政治": "#56B4E9",  # sky blue
    "政策": "#F0E442",  # yellow
    NONE_LABEL: "#BBBBBB",  # grey: no label
}
# Paul Tol's "muted" then "light" sets (without their pale greys), for names not in FIXED: a user's own
# lexicon may have ten or twenty categories, and each should still be told apart.
EXTRA = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
         "#77AADD", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00", "#EEDD88", "#EE8866", "#FFAABB")
# Dark colours need white text on top (badges).
DARK = {"#0072B2", "#009E73", "#D55E00", "#332288", "#117733", "#882255", "#AA4499", "#CC6677", "#44AA99",
        "#999933", "#AAAA00"}


def color(name: str) -> str:
    """The colour of a label or category (hex ``#RRGGBB``)."""
    if name in FIXED:
        return FIXED[name]
    return EXTRA[zlib.crc32(name.encode("utf-8")) % len(EXTRA)]


def text_color(name: str) -> str:
    """Black or white, whichever reads on ``color(name)``."""
    return text_on(color(name))


def text_on(background: str) -> str:
    """Black or white, whichever reads on the colour ``background``."""
    return "#FFFFFF" if background in DARK else "#000000"


def colors(names: list[str]) -> dict[str, str]:
    return {name: color(name) for name in names}


def styles(names: list[str]) -> dict[str, tuple[str, bool]]:
    """name -> (colour, repeated) for names shown together (one chart, one page).

    Fixed names keep their colour; every other name takes its own colour (``color``) unless a name
    before it in sorted order took it, then the next free one, so up to ``len(EXTRA)`` user
    categories never share a colour. Past that colours repeat and ``repeated`` is true (charts
    hatch those bars, the page dashes those underlines). The same set of names gets the same
    styles in every chart and run.

    >>> styles(["监督", "环保", "营商环境"])["监督"]
    ('#0072B2', False)
    >>> len({c for c, _ in styles([f"类别{i}" for i in range(12)]).values()})
    12
    """
    out: dict[str, tuple[str, bool]] = {}
    used = {FIXED[n] for n in names if n in FIXED}
    for name in sorted(names, key=lambda n: (n not in FIXED, n)):
        if name in FIXED:
            out[name] = (FIXED[name], False)
            continue
        first = EXTRA.index(color(name))
        free = next((c for k in range(len(EXTRA)) if (c := EXTRA[(first + k) % len(EXTRA)]) not in used), None)
        out[name] = (free, False) if free else (EXTRA[first], True)
        used.add(out[name][0])
    return out
