"""MappedText keeps offsets into the original through every rewrite."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from policytag.record import MappedText, Paragraph


def test_drop_keeps_original_offsets() -> None:
    raw = "代表\n之家"
    m = MappedText.identity(raw).drop("\n")
    assert m.text == "代表之家"
    assert list(m.offsets) == [0, 1, 3, 4]
    assert m.span(2, 4) == (3, 5)
    assert raw[slice(*m.span(2, 4))] == "之家"


def test_span_of_whole_text_covers_dropped_inside() -> None:
    m = MappedText.identity("ab\n\ncd").drop("\n")
    assert m.span() == (0, 6)


def test_strip_and_join() -> None:
    m = MappedText.identity("  监督 ", base=10).strip()
    assert m.text == "监督" and m.span() == (12, 14)
    joined = MappedText.join([MappedText.identity("立", 0), MappedText.identity("法", 5)])
    assert joined.text == "立法" and joined.span() == (0, 6)


def test_length_mismatch_is_refused() -> None:
    try:
        MappedText("ab", np.array([0]))
    except ValueError as exc:
        assert "length" in str(exc) or "differ" in str(exc)
    else:
        raise AssertionError("mismatched offsets accepted")


def test_paragraph_dict_reports_original_offsets() -> None:
    raw = "标题\n\n常委会\n听取报告。"
    body = MappedText.identity(raw)[4:].drop("\n")
    p = Paragraph(doc_id="d", path="p.txt", index=0, body=body)
    d = p.to_dict()
    assert d["text"] == "常委会听取报告。"
    assert (d["start"], d["end"]) == (4, len(raw))


@given(st.text(min_size=0, max_size=60), st.text(alphabet="\n ●", min_size=1, max_size=3))
def test_drop_offsets_index_original(raw: str, chars: str) -> None:
    m = MappedText.identity(raw).drop(chars)
    assert all(raw[o] == c for o, c in zip(m.offsets, m.text, strict=True))
    assert all(c not in chars for c in m.text)
