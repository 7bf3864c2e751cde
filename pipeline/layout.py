"""Reading order of text boxes on a page: columns left to right, each top to bottom.

Both PDF text layers (character boxes from PDFium) and OCR results (one box per
detected line) arrive as boxes with text and no order a reader would follow: an
e-paper page in two columns lists its lines row by row across both columns, or
in whatever order its producer drew them. ``reading_order`` puts them in order
with a recursive XY-cut:

1. cut the region into horizontal *bands* at every empty horizontal strip;
2. join neighbouring bands that share an empty vertical strip (a *gutter*), so
   the rows of a two-column passage stay together while a full-width headline
   between two such passages stands alone;
3. in a joined group, cut at the gutters (columns, left to right) when each
   side reads like running text (its lines several characters wide: a table
   with short cells is read row by row instead), and recurse into each column;
4. what cannot be cut is read line by line, top to bottom, left to right.

``lines`` then turns the ordered boxes into text lines, marking an indented line
with two ideographic spaces so that ``segment`` sees where paragraphs start.

Coordinates are page coordinates with y growing downwards; sizes are relative
to the median box height (one "em"), so the rules work at any resolution.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

GUTTER_EM = 1.2  # an empty vertical strip at least this wide (in ems) can separate columns
COLUMN_EM = 5.0  # a column's lines are at least this wide (median, in ems); narrower means table cells
SPACE_EM = 1.0  # boxes on one line further apart than this are joined with a space
INDENT_EM = 1.5  # a line starting this far right of its column's left edge is indented


@dataclass(frozen=True)
class Box:
    """A piece of text and where it stands (y grows downwards)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float = 1.0  # OCR confidence; 1.0 for a text layer

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@dataclass
class Line:
    """One line of text in reading order, with the boxes it was made of."""

    text: str
    boxes: list[Box]

    @property
    def score(self) -> float:
        """Confidence of the line: the boxes' scores weighted by their length."""
        weights = [max(len(b.text), 1) for b in self.boxes]
        return sum(b.score * w for b, w in zip(self.boxes, weights, strict=True)) / sum(weights)


def em_of(boxes: Sequence[Box]) -> float:
    """Typical line height (the median box height), never zero."""
    heights = [b.height for b in boxes if b.height > 0]
    return statistics.median(heights) if heights else 1.0


def _gaps(intervals: list[tuple[float, float]], min_width: float) -> list[tuple[float, float]]:
    """Empty stretches between the intervals (not before or after them), at least ``min_width`` wide."""
    out = []
    ordered = sorted(intervals)
    reach = ordered[0][1]
    for start, end in ordered[1:]:
        if start - reach >= min_width:
            out.append((reach, start))
        reach = max(reach, end)
    return out


def _bands(boxes: list[Box]) -> list[list[Box]]:
    """Split into horizontal bands at every empty horizontal strip, top to bottom.

    A box that overlaps the band above by less than a third of its height (OCR boxes
    of neighbouring lines touch) starts a new band.
    """
    bands: list[list[Box]] = []
    bottom = 0.0
    for box in sorted(boxes, key=lambda b: (b.y0, b.x0)):
        if bands and box.y0 < bottom - box.height / 3:
            bands[-1].append(box)
            bottom = max(bottom, box.y1)
        else:
            bands.append([box])
            bottom = box.y1
    return bands


def _gutters(boxes: list[Box], em: float) -> list[tuple[float, float]]:
    return _gaps([(b.x0, b.x1) for b in boxes], GUTTER_EM * em)


def _column_like(boxes: list[Box], em: float) -> bool:
    """Whether the boxes read like running text: their lines are several characters wide."""
    widths = [max(b.x1 for b in band) - min(b.x0 for b in band) for band in _bands(boxes)]
    return statistics.median(widths) >= COLUMN_EM * em


def _split_columns(boxes: list[Box], em: float) -> list[list[Box]] | None:
    """The boxes cut at their gutters, left to right, if every part reads like a column."""
    cuts = _gutters(boxes, em)
    if not cuts:
        return None
    columns: list[list[Box]] = [[] for _ in range(len(cuts) + 1)]
    for box in boxes:
        centre = (box.x0 + box.x1) / 2
        columns[sum(centre > start for start, _ in cuts)].append(box)
    columns = [c for c in columns if c]
    if len(columns) < 2 or not all(_column_like(c, em) for c in columns):
        return None
    return columns


def _order(boxes: list[Box], em: float, depth: int = 0) -> list[list[list[Box]]]:
    """Boxes grouped into lines in reading order, as *blocks*: a column, or a stretch read across.

    Lines of one block share a left edge, which tells indented lines apart.
    """
    if depth > 12 or len(boxes) <= 1:  # nested columns deeper than this do not occur on paper
        return [_rows(boxes)]
    groups: list[list[Box]] = []
    for band in _bands(boxes):
        if groups and _gutters(groups[-1] + band, em):
            groups[-1].extend(band)
        else:
            groups.append(list(band))
    blocks: list[list[list[Box]]] = []
    flowing = False  # whether the last block is a stretch of uncut groups that the next one continues
    for group in groups:
        columns = _split_columns(group, em) if len(group) > 1 else None
        if columns is None:
            if not flowing:
                blocks.append([])
            blocks[-1].extend(_rows(group))
            flowing = True
        else:
            for column in columns:
                blocks.extend(_order(column, em, depth + 1))
            flowing = False
    return blocks


def _rows(boxes: list[Box]) -> list[list[Box]]:
    """Lines of a region that is not cut further: bands, each left to right."""
    return [sorted(band, key=lambda b: b.x0) for band in _bands(boxes)]


def reading_order(boxes: Sequence[Box]) -> list[list[Box]]:
    """Boxes grouped into lines in reading order (columns left to right, each top to bottom).

    >>> left = [Box(0, 10 * i, 100, 10 * i + 8, f"L{i}") for i in range(3)]
    >>> right = [Box(120, 10 * i, 220, 10 * i + 8, f"R{i}") for i in range(3)]
    >>> [ln[0].text for ln in reading_order(right + left)]
    ['L0', 'L1', 'L2', 'R0', 'R1', 'R2']
    """
    return [row for block in _blocks(boxes) for row in block]


def _blocks(boxes: Sequence[Box]) -> list[list[list[Box]]]:
    boxes = [b for b in boxes if b.text]
    if not boxes:
        return []
    return _order(boxes, em_of(boxes))


def lines(boxes: Sequence[Box]) -> list[Line]:
    """Text lines in reading order; an indented line starts with two ideographic spaces."""
    blocks = _blocks(boxes)
    if not blocks:
        return []
    em = em_of([b for block in blocks for row in block for b in row])
    out: list[Line] = []
    for block in blocks:
        for row, edge in zip(block, _left_edges(block, em), strict=True):
            parts = [row[0].text]
            for prev, box in zip(row, row[1:], strict=False):
                parts.append((" " if box.x0 - prev.x1 > SPACE_EM * em else "") + box.text)
            text = "".join(parts)
            if row[0].x0 - edge >= INDENT_EM * em:
                text = "\u3000\u3000" + text
            out.append(Line(text, list(row)))
    return out


def _left_edges(rows: list[list[Box]], em: float) -> list[float]:
    """Each line's left edge in its block: the leftmost start among the lines around it.

    Lines around it, not the whole block: a left edge may move (a picture set into the column).
    """
    starts = [row[0].x0 for row in rows]
    edges = []
    for i, row in enumerate(rows):
        near = [starts[j] for j in range(max(0, i - 6), min(len(rows), i + 7))
                if abs(starts[j] - starts[i]) < 8 * em and abs(rows[j][0].y0 - row[0].y0) < 12 * em]
        edges.append(min(near))
    return edges
