"""Keys of training rows, kept in a model bundle so that evaluation can spot them.

``train_bundle`` stores an 8-byte key of every training row in ``model.json``
(``training.row_keys``, one base64 string, about 11 characters a row);
``policytag evaluate`` computes the key of each gold row and warns about,
excludes or refuses rows the model learned from. A key ignores punctuation,
width and spaces, so a copy of a row with half-width commas is still caught.
This module is separate from ``classify`` (what ``tag`` loads) on purpose: only
training and evaluation need it.

>>> row_key("听取审议专项工作报告，") == row_key("听取审议专项工作报告,")
True
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from .errors import ConfigError

ROW_KEY_BYTES = 8
_NOT_WORD = re.compile(r"[\W_]+")


def row_key(text: str) -> bytes:
    """Key of a paragraph: blake2b of its NFKC text without punctuation and spaces."""
    folded = _NOT_WORD.sub("", unicodedata.normalize("NFKC", text))
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=ROW_KEY_BYTES).digest()


def encode_row_keys(keys: Iterable[bytes]) -> str:
    """Sorted distinct keys as one base64 string."""
    return base64.b64encode(b"".join(sorted(set(keys)))).decode("ascii")


def training_row_keys(model: Any) -> set[bytes] | None:
    """The keys of the rows a loaded model was trained on; None when its bundle does not keep them."""
    info = getattr(model, "info_", None)
    training = info.get("training") if isinstance(info, dict) else None
    data = training.get("row_keys") if isinstance(training, dict) else None
    if data is None:
        return None
    try:
        raw = base64.b64decode(data, validate=True) if isinstance(data, str) else None
    except ValueError:
        raw = None
    if raw is None or len(raw) % ROW_KEY_BYTES:
        raise ConfigError(f"model.json: training.row_keys is not valid base64 of {ROW_KEY_BYTES}-byte keys; "
                          "the bundle is corrupt")
    return {raw[i:i + ROW_KEY_BYTES] for i in range(0, len(raw), ROW_KEY_BYTES)}
