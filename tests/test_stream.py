"""The stream of batches across documents: the same records as one document at a time, a document that
breaks a stage fails alone, records reach the checkpoint per batch, long documents are cut in a window."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policytag import segment as segment_module
from policytag.errors import InputError
from policytag.record import MappedText, Paragraph
from policytag.stream import Done, Part, tag_stream
from policytag.tagger import Tagger
from policytag.write import Checkpoint, encode

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden"
REPORTS = [str(ROOT / "examples" / "report.txt"), *sorted(str(p) for p in (ROOT / "examples" / "reports").glob("*")),
           str(GOLDEN / "tricky.txt"), str(GOLDEN / "lines.txt")]


def per_document(tagger: Tagger, sources: list[str]) -> dict[str, bytes]:
    return {s: encode(p.to_dict() for p in tagger.tag_path(s)) for s in sources}


def collect(events: list[Part | Done]) -> tuple[dict[str, bytes], dict[str, InputError | None]]:
    blocks: dict[str, bytes] = {}
    done: dict[str, InputError | None] = {}
    for event in events:
        if isinstance(event, Part):
            assert event.source not in done, "a part after its Done"
            blocks[event.source] = blocks.get(event.source, b"") + event.block
        else:
            done[event.source] = event.error
    return blocks, done


@pytest.mark.parametrize("batch_size", [1, 5, 64, 10_000])
def test_stream_gives_the_records_of_each_document_alone(batch_size: int) -> None:
    tagger = Tagger()
    tagger.config["output"]["batch_size"] = batch_size
    want = per_document(tagger, REPORTS)
    blocks, done = collect(list(tag_stream(tagger, REPORTS)))
    assert list(done) == REPORTS and not any(done.values())
    assert blocks == {s: b for s, b in want.items() if b}


def test_a_document_that_breaks_a_stage_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The matcher breaks on one document's paragraphs, in a batch shared with others: only it fails."""
    tagger = Tagger()
    tagger.config["output"]["batch_size"] = 16
    want = per_document(tagger, REPORTS)
    bad = REPORTS[2]
    real = tagger.matcher.match_batch

    def match_batch(paragraphs: list[Paragraph]) -> None:
        if any(p.path == bad for p in paragraphs):
            raise RuntimeError("broken paragraph")
        real(paragraphs)

    monkeypatch.setattr(tagger.matcher, "match_batch", match_batch)
    blocks, done = collect(list(tag_stream(tagger, REPORTS)))
    assert list(done) == REPORTS
    assert isinstance(done[bad], InputError) and "RuntimeError: broken paragraph" in str(done[bad])
    assert all(done[s] is None for s in REPORTS if s != bad)
    for source in REPORTS:
        if source != bad:
            assert blocks[source] == want[source], source


def test_unreadable_input_is_a_done_with_its_error(tmp_path: Path) -> None:
    blocks, done = collect(list(tag_stream(Tagger(), [str(tmp_path / "missing.txt"), REPORTS[1]])))
    assert isinstance(done[str(tmp_path / "missing.txt")], InputError)
    assert done[REPORTS[1]] is None and blocks[REPORTS[1]]


def test_interrupt_hands_on_the_documents_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while reading the third input: the first two come out finished, nothing of the third."""
    tagger = Tagger()
    real = Tagger.read
    calls = {"n": 0}

    def read(self: Tagger, source: str):  # noqa: ANN202
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, source)

    monkeypatch.setattr(Tagger, "read", read)
    events: list[Part | Done] = []
    with pytest.raises(KeyboardInterrupt):
        for event in tag_stream(tagger, REPORTS):
            events.append(event)
    blocks, done = collect(events)
    assert list(done) == REPORTS[:2] and set(blocks) == set(REPORTS[:2])


def test_checkpoint_keeps_an_input_whose_parts_interleave_with_the_next(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    ck = Checkpoint(out, "s")
    ck.add_part("a", encode([{"i": 1}, {"i": 2}]))
    ck.add_part("a", encode([{"i": 3}]))
    ck.add_part("b", encode([{"i": 4}]))  # b's first batch is written before a is announced done
    assert ck.add("a", b"", [], "digest-a") == 3
    ck.add_part("b", encode([{"i": 5}]))
    assert ck.add("b", b"", []) == 2
    ck.add_part("c", encode([{"i": 9}]))
    ck.drop_parts("c")  # c failed: its records are never pointed to
    ck.close()
    again = Checkpoint(out, "s", resume=True)
    assert again.counts == {"a": 3, "b": 2}
    got = [orjson.loads(line) for block in again.read_blocks(["a", "b"], chunk=8) for line in block.splitlines()]
    assert got == [{"i": 1}, {"i": 2}, {"i": 3}, {"i": 4}, {"i": 5}]
    again.move_to(out, ["a", "b"])  # c's records follow on disk: the finished ones are copied
    assert [orjson.loads(line)["i"] for line in out.read_bytes().splitlines()] == [1, 2, 3, 4, 5]


def test_read_blocks_cuts_only_between_lines(tmp_path: Path) -> None:
    ck = Checkpoint(tmp_path / "o.jsonl", "s")
    records = [{"text": "字" * n} for n in range(1, 40)]
    ck.add("a", encode(records), [])
    blocks = list(ck.read_blocks(["a"], chunk=50))
    assert len(blocks) > 5 and all(b.endswith(b"\n") for b in blocks)
    assert b"".join(blocks) == encode(records)
    ck.remove()


def test_long_documents_are_cut_the_same_in_a_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document over STREAM_CHARS has its lines parsed twice and kept in a window: the same paragraphs."""
    tagger = Tagger()
    for source in REPORTS:
        doc = tagger.read(source)
        whole = [p.to_dict(annotations=False) for p in segment_module.iter_segment(doc, tagger.config)]
        monkeypatch.setattr(segment_module, "STREAM_CHARS", 0)
        windowed = [p.to_dict(annotations=False) for p in segment_module.iter_segment(doc, tagger.config)]
        monkeypatch.undo()
        assert windowed == whole, source


def test_seeds_are_cut_the_same_in_a_window(seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tagger = Tagger()
    for source in sorted(seeds_dir.glob("*.txt")):
        doc = tagger.read(source)
        whole = [p.to_dict(annotations=False) for p in segment_module.iter_segment(doc, tagger.config)]
        monkeypatch.setattr(segment_module, "STREAM_CHARS", 0)
        assert [p.to_dict(annotations=False) for p in segment_module.iter_segment(doc, tagger.config)] == whole
        monkeypatch.undo()


_PIECES = ["常委会", "专题询问", "“一府一委两院”", "听取审议", "专项工作报告", "人大代表建议", " ", "“", "”", "。",
           "\u3000", "执法检查", "代表", "建议", "ab", "a b", "优化营商环境", "新增就业120人",
           "坚持党的领导、人民当家作主"]


@settings(deadline=None, max_examples=300)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join), min_size=1, max_size=12))
def test_match_batch_finds_what_match_text_finds(texts: list[str]) -> None:
    """One automaton pass over a batch's joined texts gives each paragraph the terms it gets alone."""
    matcher = _matchers()
    for m in matcher:
        paragraphs = [Paragraph("d", "p", i, MappedText.identity(t, base=7 * i)) for i, t in enumerate(texts)]
        m.match_batch(paragraphs)
        assert [p.terms for p in paragraphs] == [m.match_text(p.body) for p in paragraphs]


_MATCHERS: list = []


def _matchers() -> list:
    if not _MATCHERS:
        from policytag.lexicon import load_lexicon
        from policytag.match import Matcher

        both = load_lexicon(["policy_terms.yaml", str(ROOT / "examples" / "dictionaries" / "minsheng.yml")])
        _MATCHERS.extend([Matcher(both), Matcher(both, overlaps=True), Matcher(load_lexicon(), crossing=False)])
    return _MATCHERS
