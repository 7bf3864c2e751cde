"""A compiled-lexicon cache: a parsed and validated lexicon file saved as JSON, so the next run skips YAML.

Parsing and validating the shipped 130 KB YAML lexicon is a fifth of the CPU time of tagging one
report in a fresh process (YAML composition, cross-checks, the ``yaml`` import itself). The cache
holds the same entries as data, keyed by

- the lexicon file's path and SHA-256 of its content (an edited file is parsed again),
- the package version and a digest of the loader's own source (``lexicon.py``,
  ``lexicon_formats.py``): another parser never reads a cache written by this one,
- the loader's limits (``MAX_LEXICON_BYTES``).

The cache lives in the user's cache folder (``$POLICYTAG_CACHE_DIR``, else ``$XDG_CACHE_HOME/policytag``,
else ``~/.cache/policytag``; ``%LOCALAPPDATA%`` / ``~/Library/Caches`` on Windows / macOS), never next to
the user's files. It is JSON, never pickle: loading it runs no code. A file whose key differs, that is
corrupt or is not what this module writes is ignored and rewritten; a cache folder that cannot be
written is left alone and the lexicon is loaded as without a cache. Writes are atomic (temp file +
``os.replace``), so two runs at once never see half a file. Only lexicons without errors are cached.
Turn it off with ``tag --no-cache`` or ``[lexicon] cache = false``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 1  # of the cache file; bump when its layout changes
_ENTRY_FIELDS = ("term", "category", "variants", "definition", "since", "line", "exclude", "dictionary", "lines")


def cache_dir() -> Path:
    """The folder for cached lexicons (see the module's docstring for the order)."""
    own = os.environ.get("POLICYTAG_CACHE_DIR")
    if own:
        return Path(own) / "lexicons"
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "policytag" / "lexicons"


@functools.lru_cache(maxsize=1)
def _loader_digest() -> str:
    """Digest of the code that parses lexicons: a cache written by other code is never read."""
    from . import __version__

    h = hashlib.sha256(f"{FORMAT}:{__version__}".encode())
    here = Path(__file__).resolve().parent
    for name in ("lexicon.py", "lexicon_formats.py", "lexicon_cache.py"):
        with contextlib.suppress(OSError):
            h.update((here / name).read_bytes())
    return h.hexdigest()


def cache_key(path: Path, data: bytes) -> dict[str, Any]:
    from .lexicon import MAX_LEXICON_BYTES

    return {"format": FORMAT, "path": str(path), "sha256": hashlib.sha256(data).hexdigest(),
            "loader": _loader_digest(), "max_bytes": MAX_LEXICON_BYTES}


def _file_for(key: dict[str, Any]) -> Path:
    name = hashlib.sha256(f"{key['path']}\0{key['sha256']}\0{key['loader']}".encode()).hexdigest()[:40]
    return cache_dir() / f"{name}.json"


def _encode(lexicon: Any) -> dict[str, Any]:
    entries = [[getattr(e, f) for f in _ENTRY_FIELDS] for e in lexicon.entries]
    return {"source": lexicon.source, "name": lexicon.name, "categories": lexicon.categories, "entries": entries}


def _decode(data: dict[str, Any]) -> Any:
    """The Lexicon of a cache file's body; a body of the wrong shape raises (TypeError, ValueError, KeyError)."""
    from .lexicon import Entry, Lexicon

    entries = []
    for row in data["entries"]:
        if not isinstance(row, list) or len(row) != len(_ENTRY_FIELDS):
            raise ValueError("bad entry")
        term, category, variants, definition, since, line, exclude, dictionary, lines = row
        if not (isinstance(term, str) and isinstance(category, str) and isinstance(definition, str)
                and isinstance(dictionary, str) and isinstance(line, int) and isinstance(lines, dict)
                and (since is None or isinstance(since, int))
                and all(isinstance(v, str) for v in (*variants, *exclude))):
            raise ValueError("bad entry")
        entries.append(Entry(term, category, tuple(variants), definition, since, line, tuple(exclude), dictionary,
                             dict(lines)))
    categories = data["categories"]
    if not isinstance(categories, dict) or not isinstance(data["source"], str) or not isinstance(data["name"], str):
        raise ValueError("bad lexicon")
    return Lexicon(entries, data["source"], data["name"], dict(categories))


def load(path: Path, data: bytes) -> Any | None:
    """The cached Lexicon of ``path`` with content ``data``, or None (no cache, another key, unreadable)."""
    import orjson

    key = cache_key(path, data)
    try:
        raw = orjson.loads(_file_for(key).read_bytes())
        if not isinstance(raw, dict) or raw.get("key") != key:
            return None  # another file, version or loader: rebuilt
        return _decode(raw["lexicon"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # missing, corrupt or foreign: the caller parses the file and writes a fresh one


def store(path: Path, data: bytes, lexicon: Any) -> bool:
    """Save ``lexicon`` (parsed from ``path`` with content ``data``); False when the folder cannot be written."""
    import orjson

    key = cache_key(path, data)
    target = _file_for(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        body = orjson.dumps({"key": key, "lexicon": _encode(lexicon)})
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except (OSError, TypeError, ValueError):
        return False  # an unwritable or full cache folder only costs the next run its parse
    return True


def read_cached(path: Path, read: Any) -> tuple[Any, list[Any]]:
    """``read(path)`` -> (Lexicon, issues), through the cache: a hit returns the Lexicon with no issues.

    Only a lexicon whose issues hold no error is stored (an error stops loading anyway).
    """
    from .lexicon import MAX_LEXICON_BYTES, errors_of

    try:
        if path.stat().st_size > MAX_LEXICON_BYTES:
            return read(path)  # the reader says what is wrong
        data = path.read_bytes()
    except OSError:
        return read(path)
    cached = load(path, data)
    if cached is not None:
        return cached, []
    lexicon, issues = read(path)
    with contextlib.suppress(OSError):
        if not errors_of(issues) and path.read_bytes() == data:  # not changed while it was parsed
            store(path, data, lexicon)
    return lexicon, issues
