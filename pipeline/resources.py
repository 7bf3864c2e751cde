"""Where the shipped data lives: the default config, lexicon and model.

In a built wheel they sit in ``policytag/_data/``; in a source checkout (or an
editable install) they are the top-level ``configs/``, ``lexicons/`` and
``models/`` folders.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_dir(kind: str) -> Path:
    """Folder of shipped data of one kind: ``configs``, ``lexicons`` or ``models``."""
    for candidate in (_PKG / "_data" / kind, _PKG.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped data folder {kind!r} not found next to the package ({_PKG})")


def resolve(value: str, kind: str) -> Path:
    """A path given in config: absolute/relative to cwd if it exists, else a shipped name."""
    path = Path(value).expanduser()
    if path.exists():
        return path
    shipped = data_dir(kind) / value
    return shipped if shipped.exists() else path
