"""Stage 1, read: bytes on disk -> ``Document`` (decoded original + normalized text).

MINIMAL BOOTSTRAP VERSION (UTF-8 text only, no normalization); being replaced.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from .errors import InputError
from .record import Document, MappedText


def make_doc_id(name: str, data: bytes) -> str:
    """Stable id: file name plus a hash of the content."""
    return f"{Path(name).name}#{hashlib.sha1(data).hexdigest()[:12]}"


def read_path(path: str | Path, config: dict[str, Any] | None = None) -> Document:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None
    raw = data.decode("utf-8-sig")
    return Document(path=str(path), doc_id=make_doc_id(path.name, data), raw=raw, norm=MappedText.identity(raw))


def iter_paths(specs: list[str]) -> list[str]:
    """Expand inputs: files, directories (recursive), globs and ``-`` (stdin)."""
    import glob

    out: list[str] = []
    for spec in specs:
        if spec == "-":
            out.append(spec)
        elif Path(spec).is_dir():
            out.extend(str(p) for p in sorted(Path(spec).rglob("*")) if p.is_file())
        elif any(ch in spec for ch in "*?["):
            out.extend(sorted(glob.glob(spec, recursive=True)))
        else:
            out.append(spec)
    return out
