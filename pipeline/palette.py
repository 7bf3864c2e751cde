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
# Paul Tol "muted" (without its pale grey), for names not in FIXED.
EXTRA = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499")
# Dark colours need white text on top (badges).
DARK = {"#0072B2", "#009E73", "#D55E00", "#332288", "#117733", "#882255", "#AA4499", "#CC6677", "#44AA99",
        "#999933"}


def color(name: str) -> str:
    """The colour of a label or category (hex ``#RRGGBB``)."""
    if name in FIXED:
        return FIXED[name]
    return EXTRA[zlib.crc32(name.encode("utf-8")) % len(EXTRA)]


def text_color(name: str) -> str:
    """Black or white, whichever reads on ``color(name)``."""
    return "#FFFFFF" if color(name) in DARK else "#000000"


def colors(names: list[str]) -> dict[str, str]:
    return {name: color(name) for name in names}
