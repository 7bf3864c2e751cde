"""``tag --jobs N`` (loky processes) and ``tag --dask ADDRESS``: the same records as one process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_resume import make_corpus
from test_robustness import REPORT, run_cli

from policytag.batch import tag_many
from policytag.config import load_config
from policytag.errors import InputError


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("parallel") / "reports", 12, items=5)


@pytest.fixture(scope="module")
def single(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    out = tmp_path_factory.mktemp("single") / "out.jsonl"
    code, _, stderr = run_cli("tag", str(corpus), "-o", str(out), "--jobs", "1")
    assert code == 1
    return out.read_bytes(), stderr


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("policytag: skipped")]


def test_jobs_2_gives_the_same_output_and_errors(corpus: Path, single: tuple[bytes, str], tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(corpus), "-o", str(out), "--jobs", "2", "--force-jobs")
    assert code == 1
    assert out.read_bytes() == single[0]
    assert _errors(stderr) == _errors(single[1]) and len(_errors(stderr)) == 1
    paths = [json.loads(line)["path"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert paths == sorted(paths)  # input order


def test_stdin_is_read_by_the_parent(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    one = run_cli("tag", "-", str(report), "--jobs", "1", stdin=REPORT)
    two = run_cli("tag", "-", str(report), "--jobs", "2", "--force-jobs", stdin=REPORT)
    assert one[0] == two[0] == 0
    assert one[1] == two[1]
    rows = [json.loads(line) for line in two[1].splitlines()]
    assert rows[0]["path"] == "-" and rows[0]["doc_id"].startswith("stdin#")
    assert {r["path"] for r in rows} == {"-", str(report)}


def test_tag_many_returns_errors_from_workers(tmp_path: Path) -> None:
    good, bad = tmp_path / "a.txt", tmp_path / "b.txt"
    good.write_text(REPORT, encoding="utf-8")
    bad.write_bytes(b"")
    results = list(tag_many([str(bad), str(good)], load_config(), jobs=2))
    assert [s for s, _ in results] == [str(bad), str(good)]
    assert isinstance(results[0][1], InputError) and results[0][1].source == str(bad)
    assert str(results[0][1]) == f"{bad}: empty file"
    assert isinstance(results[1][1], list) and results[1][1]


def test_dask_cluster_gives_the_same_output(corpus: Path, single: tuple[bytes, str], tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = tmp_path / "out.jsonl"
        code, _, stderr = run_cli("tag", str(corpus), "-o", str(out), "--dask", cluster.scheduler_address)
    assert code == 1, stderr
    assert out.read_bytes() == single[0]
    assert _errors(stderr) == _errors(single[1])


def test_unreachable_dask_scheduler_is_a_usage_error(corpus: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import policytag.cli.tag as tag_cli

    monkeypatch.setattr(tag_cli._dask_client, "timeout", "1s")
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(corpus), "-o", str(out), "--dask", "tcp://127.0.0.1:9")
    assert code == 2
    assert stderr.startswith("policytag: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert list(tmp_path.iterdir()) == []  # neither output nor checkpoint


def test_consecutive_runs_each_come_back_in_input_order(corpus: Path) -> None:
    from policytag.batch import tag_one

    config = load_config()
    files = sorted(str(p) for p in corpus.rglob("*.txt"))[:4]
    expected = {s: tag_one(s, config, encoded=True)[1] for s in files}
    first = list(tag_many(files, config, jobs=2, encoded=True))
    second = list(tag_many(files[::-1], config, jobs=2, encoded=True))  # the same loky workers, reused
    assert [s for s, _ in first] == files and [s for s, _ in second] == files[::-1]
    assert all(block == expected[s] for s, block in first + second)


def test_an_encoded_block_holds_the_records_as_json_lines(corpus: Path) -> None:
    from policytag.batch import tag_one

    source = sorted(str(p) for p in corpus.rglob("*.txt"))[0]
    config = load_config()
    _, records = tag_one(source, config)
    _, block = tag_one(source, config, encoded=True)
    assert isinstance(block, bytes) and block.endswith(b"\n")
    assert [json.loads(line) for line in block.decode("utf-8").splitlines()] == json.loads(json.dumps(records))


def test_a_tagger_that_cannot_be_built_stops_the_pool_with_its_error(tmp_path: Path) -> None:
    from policytag.errors import ConfigError

    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    config = load_config(None, {"classify.model": str(tmp_path / "no_model")})
    with pytest.raises(ConfigError, match="model not found"):
        list(tag_many([str(report), str(report)], config, jobs=2))


def test_one_input_with_jobs_runs_in_this_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No pool is started for fewer inputs than --jobs asks for: one report costs what one job costs."""
    import policytag.batch as batch

    seen: list[int] = []
    real = batch.tag_many
    monkeypatch.setattr(batch, "tag_many", lambda sources, config, jobs, *a, **k: seen.append(jobs) or
                        real(sources, config, jobs, *a, **k))
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    code, _, stderr = run_cli("tag", str(report), "-o", str(tmp_path / "o.jsonl"), "--jobs", "4")
    assert code == 0, stderr
    assert seen in ([], [1])  # one job: this process's stream of batches (policytag.stream), no pool


def test_chunks_are_cut_by_files_bytes_stdin_and_repeats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policytag import batch

    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    small.write_bytes(b"x" * 10)
    big.write_bytes(b"x" * 100)
    monkeypatch.setattr(batch, "CHUNK_FILES", 3)
    monkeypatch.setattr(batch, "CHUNK_BYTES", 100)
    s, b = str(small), str(big)
    chunks = list(batch._chunks([s, "missing.txt", s, "-", s, b, s, "x1", "x2", "x3"]))
    # a repeat starts a new chunk; "-" stands alone; 100 bytes close a chunk; 3 files close a chunk
    assert chunks == [[s, "missing.txt"], [s], ["-"], [s, b], [s, "x1", "x2"], ["x3"]]


def test_a_chunk_gives_what_each_file_gives_alone(corpus: Path, tmp_path: Path) -> None:
    from policytag.batch import tag_chunk, tag_one

    config = load_config()
    files = sorted(str(p) for p in corpus.rglob("*.txt"))[:3]
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    chunk = [files[0], str(empty), *files[1:]]
    results = tag_chunk(chunk, config, encoded=True)
    assert [s for s, _ in results] == chunk
    for source, result in results:
        alone = tag_one(source, config, encoded=True)[1]
        if isinstance(alone, InputError):
            assert isinstance(result, InputError) and str(result) == str(alone)
        else:
            assert result == alone and result  # each file's own records, none of its neighbours'


def test_the_same_file_twice_with_jobs_2(corpus: Path) -> None:
    config = load_config()
    source = sorted(str(p) for p in corpus.rglob("*.txt"))[0]
    results = list(tag_many([source, source], config, jobs=2, encoded=True))
    assert [s for s, _ in results] == [source, source]
    assert results[0][1] == results[1][1] and isinstance(results[0][1], bytes) and results[0][1]
