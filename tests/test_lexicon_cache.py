"""The compiled-lexicon cache: same Lexicon as a fresh parse, rebuilt when the file or the cache is not right."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from policytag import lexicon_cache
from policytag.errors import ConfigError
from policytag.lexicon import load_lexicon, read_lexicon

LEXICON = """\
- term: 执法检查
  category: 监督
  variants: [执法检查组]
  definition: 对法律实施情况的检查。
- term: 专题询问
  category: 监督
  definition: 就专门问题询问政府部门。
  since: 2010
- term: 地方性法规
  category: 立法
  variants: ["re:地方性法规[草案]?"]
  definition: 地方人大制定的法规。
  exclude: [不是地方性法规]
"""


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("POLICYTAG_CACHE_DIR", str(folder))
    return folder / "lexicons"


@pytest.fixture()
def lexfile(tmp_path: Path) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(LEXICON, encoding="utf-8")
    return path


def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every real parse the loader does."""
    calls: list[Path] = []

    def spy(path: Path):  # noqa: ANN202
        calls.append(path)
        return read_lexicon(path)

    monkeypatch.setattr("policytag.lexicon.read_lexicon", spy)
    return calls


def same(a, b) -> None:  # noqa: ANN001
    assert a.entries == b.entries
    assert [e.lines for e in a.entries] == [e.lines for e in b.entries]
    assert (a.source, a.name, a.categories) == (b.source, b.name, b.categories)
    assert a._index == b._index


def test_hit_gives_the_same_lexicon_as_a_fresh_load(cache: Path, lexfile: Path, monkeypatch: pytest.MonkeyPatch):
    fresh = load_lexicon(str(lexfile), cache=False)
    assert not cache.exists()  # cache=False neither reads nor writes
    first = load_lexicon(str(lexfile))
    assert len(list(cache.glob("*.json"))) == 1
    calls = parses(monkeypatch)
    second = load_lexicon(str(lexfile))
    assert calls == []  # read from the cache, not parsed
    same(second, fresh)
    same(first, fresh)


def test_the_shipped_lexicon_round_trips(cache: Path, monkeypatch: pytest.MonkeyPatch):
    fresh = load_lexicon(None, cache=False)
    load_lexicon(None)
    calls = parses(monkeypatch)
    same(load_lexicon(None), fresh)
    assert calls == []


def test_changed_file_is_parsed_again(cache: Path, lexfile: Path, monkeypatch: pytest.MonkeyPatch):
    load_lexicon(str(lexfile))
    lexfile.write_text(LEXICON.replace("专题询问", "视察调研"), encoding="utf-8")
    calls = parses(monkeypatch)
    lex = load_lexicon(str(lexfile))
    assert calls == [lexfile]
    assert lex.lookup("视察调研") is not None and lex.lookup("专题询问") is None


@pytest.mark.parametrize("damage", [b"", b"{not json", b"[1, 2]", b'{"key": 1}', b"\xff\xfe\x00"])
def test_corrupt_cache_is_rebuilt(cache: Path, lexfile: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes):
    fresh = load_lexicon(str(lexfile), cache=False)
    load_lexicon(str(lexfile))
    (file,) = cache.glob("*.json")
    file.write_bytes(damage)
    calls = parses(monkeypatch)
    same(load_lexicon(str(lexfile)), fresh)
    assert calls == [lexfile]
    calls.clear()
    same(load_lexicon(str(lexfile)), fresh)  # ... and written anew
    assert calls == []


def test_foreign_cache_with_another_key_is_ignored(cache: Path, lexfile: Path, monkeypatch: pytest.MonkeyPatch):
    import orjson

    load_lexicon(str(lexfile))
    (file,) = cache.glob("*.json")
    body = orjson.loads(file.read_bytes())
    body["key"]["loader"] = "another version of the loader"
    body["lexicon"]["entries"][0][0] = "被篡改"
    file.write_bytes(orjson.dumps(body))
    calls = parses(monkeypatch)
    lex = load_lexicon(str(lexfile))
    assert calls == [lexfile]
    assert lex.lookup("被篡改") is None


def test_entry_of_the_wrong_shape_is_ignored(cache: Path, lexfile: Path, monkeypatch: pytest.MonkeyPatch):
    import orjson

    load_lexicon(str(lexfile))
    (file,) = cache.glob("*.json")
    body = orjson.loads(file.read_bytes())
    body["lexicon"]["entries"][0][2] = [{"not": "a string"}]
    file.write_bytes(orjson.dumps(body))
    calls = parses(monkeypatch)
    assert load_lexicon(str(lexfile)).lookup("执法检查组") is not None
    assert calls == [lexfile]


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_cache_folder_works_without_cache(tmp_path: Path, lexfile: Path,
                                                     monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    monkeypatch.setenv("POLICYTAG_CACHE_DIR", str(folder))
    try:
        assert load_lexicon(str(lexfile)).lookup("执法检查") is not None
        assert load_lexicon(str(lexfile)).lookup("执法检查") is not None
    finally:
        folder.chmod(0o700)


def test_cache_folder_that_is_a_file_works_without_cache(tmp_path: Path, lexfile: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")  # mkdir under it fails for root too
    monkeypatch.setenv("POLICYTAG_CACHE_DIR", str(blocker))
    calls = parses(monkeypatch)
    assert load_lexicon(str(lexfile)).lookup("执法检查") is not None
    assert load_lexicon(str(lexfile)).lookup("执法检查") is not None
    assert calls == [lexfile, lexfile]  # parsed each time, no error
    assert lexicon_cache.store(lexfile, lexfile.read_bytes(), load_lexicon(str(lexfile), cache=False)) is False


def test_lexicon_with_errors_is_not_cached(cache: Path, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- term: 执法检查\n  category: 监督\n- term: \n  category: 监督\n", encoding="utf-8")
    for _ in range(2):  # the second run must report the error again, not load a cached lexicon
        with pytest.raises(ConfigError):
            load_lexicon(str(bad))
    assert not list(cache.glob("*.json"))


def test_cache_is_data_in_the_user_cache_folder(cache: Path, lexfile: Path):
    load_lexicon(str(lexfile))
    (file,) = cache.glob("*.json")
    assert file.read_bytes().startswith(b"{")  # JSON, never pickle
    assert not list(lexfile.parent.glob("*.json"))  # nothing written next to the user's file
    assert not list(cache.glob(".tmp-*"))


def test_default_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("POLICYTAG_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert lexicon_cache.cache_dir() == tmp_path / "xdg" / "policytag" / "lexicons"


def test_tag_no_cache_option(cache: Path, lexfile: Path, tmp_path: Path):
    from click.testing import CliRunner

    from policytag.cli import cli

    report = tmp_path / "r.txt"
    report.write_text("常委会组织执法检查组开展执法检查。\n", encoding="utf-8")
    runner = CliRunner()
    args = ["tag", str(report), "--lexicon", str(lexfile), "-o", str(tmp_path / "a.jsonl")]
    assert runner.invoke(cli, [*args, "--no-cache"]).exit_code == 0
    assert not cache.exists()
    assert runner.invoke(cli, args).exit_code == 0
    assert list(cache.glob("*.json"))
