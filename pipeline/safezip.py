"""Zip archives (.docx, .xlsx, a model's weights.npz) are checked before anything is inflated.

A decompression bomb is a small archive whose members inflate to gigabytes
(a 1.4 MB .docx whose XML inflates to 400 MB; a 3 MB weights.npz to 3 GB).
``zip_problem`` reads only the archive's directory (the member list with the
sizes each member declares) and refuses an archive that would inflate beyond
``MAX_UNPACKED`` in all, one with more than ``MAX_MEMBERS`` members, or a large
member that inflates more than ``MAX_RATIO`` times. Python's ``zipfile`` never
returns more than a member's declared size (reading stops there and the CRC
check fails), so the declared sizes bound what inflating can cost.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

MAX_UNPACKED = 256 * 2**20  # bytes, all members together
MAX_MEMBERS = 10_000
MAX_RATIO = 100  # inflated size / stored size, for members above RATIO_FLOOR
RATIO_FLOOR = 8 * 2**20  # smaller members are never refused for their ratio


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n / 2**10:,.1f} KB"


def _member_count(fh: io.BufferedIOBase | io.BytesIO) -> int | None:
    """Members the end-of-archive record announces, read before the directory itself."""
    try:
        record = zipfile._EndRecData(fh)  # noqa: SLF001 - the stdlib's own reader of that record
    except (OSError, ValueError, IndexError):
        return None
    return None if not record else int(record[zipfile._ECD_ENTRIES_TOTAL])  # noqa: SLF001


def zip_problem(source: str | Path | bytes, *, max_unpacked: int = MAX_UNPACKED, max_members: int = MAX_MEMBERS,
                max_ratio: float = MAX_RATIO, expected: dict[str, int] | None = None) -> str | None:
    """Why the zip archive ``source`` (a path or its bytes) must not be inflated, or None.

    ``expected`` maps member names to the largest size each may declare (e.g.
    the array sizes model.json gives). A file that is not a zip archive at all
    is not this function's business: None, and the reader reports it.
    """
    fh = io.BytesIO(source) if isinstance(source, bytes | bytearray) else open(source, "rb")  # noqa: SIM115
    try:
        count = _member_count(fh)
        if count is not None and count > max_members:
            return f"zip archive with {count:,} members (limit {max_members:,}): refused as a possible zip bomb"
        fh.seek(0)
        try:
            members = zipfile.ZipFile(fh).infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return None
        for info in members if expected is not None else ():
            if info.filename not in expected:
                return f"unexpected member {info.filename!r} (expected {', '.join(sorted(expected))})"
            if info.file_size > expected[info.filename]:
                return (f"member {info.filename!r} declares {_size(info.file_size)}, more than the "
                        f"{_size(expected[info.filename])} its shape allows: refused (corrupt, edited, or a zip bomb)")
        total = sum(info.file_size for info in members)
        if total > max_unpacked:
            return (f"zip archive would inflate to {_size(total)} (limit {_size(max_unpacked)}): refused as a "
                    "possible zip bomb")
        for info in members:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR and ratio > max_ratio:
                return (f"member {info.filename!r} would inflate {ratio:,.0f}x to {_size(info.file_size)} "
                        f"(limit {max_ratio:,.0f}x): refused as a possible zip bomb")
        return None
    finally:
        fh.close()


def check_zip(source: str | Path | bytes, name: str) -> None:
    """Raise ``InputError`` naming ``name`` when ``zip_problem`` finds one."""
    problem = zip_problem(source)
    if problem:
        from .errors import InputError

        raise InputError(name, problem)
