"""Per-file bookkeeping that stays small over many thousands of inputs.

A run over a folder of 50,000 reports must not hold a Python ``str`` (≈110 bytes
with its header) per path in several lists and dicts, plus a tuple, a list and a
digest string per finished file: that was ≈500 bytes a file, and peak memory grew
with the number of files (issue 13). ``PathList`` keeps paths in zlib-compressed
chunks (paths of one folder tree compress ≈8×); its strings exist only while
they are used.

>>> paths = PathList(f"reports/{i:05d}.txt" for i in range(1000))
>>> len(paths), paths[0], paths[999], list(paths)[500]
(1000, 'reports/00000.txt', 'reports/00999.txt', 'reports/00500.txt')
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sequence

CHUNK = 256  # paths per compressed chunk: random access decodes one chunk (≈15 KB)


class PathList(Sequence[str]):
    """An append-only list of paths (any ``str``, lone surrogates included), stored compressed."""

    def __init__(self, paths: Iterable[str] = ()) -> None:
        self._chunks: list[bytes] = []
        self._tail: list[str] = []
        self._cache: tuple[int, list[str]] | None = None  # the last chunk decoded
        for path in paths:
            self.append(path)

    def append(self, path: str) -> None:
        self._tail.append(path)
        if len(self._tail) == CHUNK:
            blob = "\0".join(self._tail).encode("utf-8", "surrogatepass")
            self._chunks.append(zlib.compress(blob, 1))
            self._tail = []

    def __len__(self) -> int:
        return len(self._chunks) * CHUNK + len(self._tail)

    def _chunk(self, k: int) -> list[str]:
        if k == len(self._chunks):
            return self._tail
        if self._cache is None or self._cache[0] != k:
            self._cache = (k, zlib.decompress(self._chunks[k]).decode("utf-8", "surrogatepass").split("\0"))
        return self._cache[1]

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]  # type: ignore[return-value]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("PathList index out of range")
        return self._chunk(i // CHUNK)[i % CHUNK]

    def __iter__(self) -> Iterator[str]:
        for k in range(len(self._chunks)):
            yield from zlib.decompress(self._chunks[k]).decode("utf-8", "surrogatepass").split("\0")
        yield from list(self._tail)

    def __contains__(self, path: object) -> bool:
        return any(p == path for p in self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=False))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PathList({len(self)} paths)"

    def nbytes(self) -> int:
        """Bytes held for the paths finished into chunks (the last, open chunk not counted)."""
        return sum(len(c) for c in self._chunks)


def same_order(a: Iterable[str], b: Sequence[str]) -> bool:
    """``a`` holds the paths of ``b`` in the same order (both read once, nothing materialized)."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            return False
        n += 1
    return n == len(b)
