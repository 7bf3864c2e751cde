"""MappedText keeps offsets into the original through every rewrite."""

from __future__ import annotations

import numpy as np
import pytest
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


# -- the stream's JSONL encoding (policytag.write.encode_paragraphs) ---------------------------------------------

def _para(text: str, index: int = 0, meta: dict | None = None, **fields: object) -> Paragraph:
    body = MappedText.identity(text, base=7)
    return Paragraph(doc_id=fields.pop("doc_id", "d1"), path=fields.pop("path", "in/d1.txt"), index=index,
                     body=body, meta={} if meta is None else meta, **fields)  # type: ignore[arg-type]


def _tricky_batch() -> list[Paragraph]:
    from policytag.record import Term

    shared = {"place": "甲市", "year": 2021, "date": None, "codes": [1, "二"], "ratio": np.float64(0.5)}
    return [
        _para('他说"依法"\\监督\t\x00\x1f\x7f\u2028', meta=shared, section=["一、\"总\"", "\\"], labels=["a"],
              scores={"a": 0.123449999, "b": np.float32(0.00005), "c": 1, "d": float("nan")},
              terms=[Term('"依法"', "依法", "法治", True, 9, 13, "官方"), Term("监督", "监督", "监督", False, 14, 16)]),
        _para("𠀀𝒳😀 非基本平面", index=1, meta=shared, is_heading=True, period="review",
              scores={"a": 0.99995, "b": 0.00015, "c": -0.0, "d": 12345.678951}, terms=[]),
        _para("", index=2, meta=shared, is_glossary=True, period=None, scores={}),
        _para("另一份", index=0, doc_id="d2", path="in/d2 \"x\".txt", meta={"place": "乙县"}, period="plan",
              scores={"z": 0.5, "a": 0.25}, labels=["z", "a"],
              terms=[Term("乙", "乙", "地名", False, 7, 8, "")]),
    ]


def test_stream_encoding_is_orjson_of_to_dict_byte_for_byte() -> None:
    import orjson

    from policytag.write import encode_paragraphs

    batch = _tricky_batch()
    expected = b"".join(orjson.dumps(p.to_dict(), option=orjson.OPT_SERIALIZE_NUMPY) + b"\n" for p in batch)
    assert encode_paragraphs(batch) == expected
    assert encode_paragraphs([]) == b""


def test_stream_encoding_of_pre_cut_fields_and_tokens_keeps_their_place() -> None:
    import orjson

    from policytag.write import encode_paragraphs

    batch = _tricky_batch()
    batch[0].extra = {"id": 3, "doc_id": "kept first", "note": "前\n"}
    batch[1].tokens = ["非", "基本"]
    expected = b"".join(orjson.dumps(p.to_dict(), option=orjson.OPT_SERIALIZE_NUMPY) + b"\n" for p in batch)
    assert encode_paragraphs(batch) == expected
    assert orjson.loads(expected.splitlines()[0])["doc_id"] == "d1"


def test_stream_encoding_refuses_a_lone_surrogate_as_orjson_does() -> None:
    import orjson
    import pytest

    from policytag.write import encode_paragraphs

    p = _para("正文", path="in/\udcff.txt")  # a file name that is not UTF-8, as os.fsdecode gives it
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(p.to_dict())
    with pytest.raises(orjson.JSONEncodeError):
        encode_paragraphs([p])


@given(st.lists(st.one_of(st.floats(), st.integers(-10**6, 10**6),
                          st.integers(0, 10**5).map(lambda k: (k + 0.5) / 1e4))))  # halves: the ties
def test_scores_rounded_together_are_rounded_one_by_one(values: list[float]) -> None:
    from policytag.write import _round4

    expected = [round(float(v), 4) for v in values]
    got = _round4(values)
    assert [repr(v) for v in got] == [repr(v) for v in expected]


def test_scores_rounded_together_on_every_tie_of_the_unit_interval() -> None:
    from policytag.write import _round4

    values = [(k + 0.5) / 1e4 for k in range(10_000)] + [k / 1e4 for k in range(10_001)]
    values += [v + d for v in values[:2000] for d in (1e-17, -1e-17, 2e-13, -2e-13)]
    assert [repr(v) for v in _round4(values)] == [repr(round(v, 4)) for v in values]


def test_record_blocks_go_to_a_text_stream_in_order_whatever_its_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """JSONL blocks go into a UTF-8 stream's byte buffer as they are (after what was written as text); a stream
    in another encoding gets them as text, encoded by it."""
    import io

    from policytag.write import RecordWriter, encode_paragraphs

    block = encode_paragraphs(_tricky_batch())
    for encoding in ("utf-8", "UTF8", "gb18030"):
        stream = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
        monkeypatch.setattr("sys.stdout", stream)
        writer = RecordWriter(None, "jsonl", ["a"])  # standard output
        writer.write({"text": "前"})
        assert writer.write_block(block) == 4
        writer.write({"text": "后"})
        stream.flush()
        text = stream.buffer.getvalue().decode(encoding)
        assert text == '{"text":"前"}\n' + block.decode("utf-8") + '{"text":"后"}\n'
