"""Writing outputs atomically: a reader never sees a half-written file.

Everything is written to a temporary file in the target folder and moved into
place with ``os.replace`` only when complete; on error or interruption the
temporary file is removed and an existing output is left untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Any, Iterable, Iterator


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; it replaces ``path`` on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


@contextlib.contextmanager
def open_output(path: str | Path | None, encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO[str]]:
    """A text stream for ``path`` (atomic), or stdout when ``path`` is None or ``-``."""
    if path is None or str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_path(path) as tmp, open(tmp, "w", encoding=encoding, newline=newline) as fh:
        yield fh


def dumps(record: dict[str, Any]) -> str:
    """One JSON line, real UTF-8 (no \\uXXXX escapes)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def write_jsonl(records: Iterable[dict[str, Any]], path: str | Path | None) -> int:
    n = 0
    with open_output(path) as fh:
        for record in records:
            fh.write(dumps(record))
            fh.write("\n")
            n += 1
    return n
