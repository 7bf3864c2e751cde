"""Rebuild ``opencc_t2s.json``: the characters OpenCC's ``t2s`` conversion can change.

Not used at run time; kept so the shipped list can be checked and refreshed when OpenCC changes::

    python pipeline/data/make_opencc_t2s.py > pipeline/data/opencc_t2s.json

It dumps every dictionary of the config with the ``opencc_dict`` tool that the ``opencc``
wheel ships, and keeps, for every entry, the key characters some value replaces (all of
the key's characters when a value has another length). Every key must be made of Han
characters (checked), so a run of Han characters converts on its own, and a run holding
none of the kept characters comes out of OpenCC unchanged (no key matches where it would
change anything): ``policytag.normalize`` converts only the runs that hold one. ``sha1``
fingerprints the config and its dictionaries: with other dictionaries the list is not used.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CONFIG = "t2s.json"


def dictionary_files(config: Path) -> list[Path]:
    """The .ocd2 files a config names, in order (normalization, then the conversion chain)."""
    names = re.findall(rb'"file"\s*:\s*"([^"]+)"', config.read_bytes())
    return [config.parent / name.decode() for name in names]


def changing_characters(entries: list[tuple[str, list[str]]]) -> set[str]:
    """Key characters that some value of their entry replaces."""
    out: set[str] = set()
    for key, values in entries:
        for value in values:
            if len(value) == len(key):
                out.update(k for k, v in zip(key, value, strict=True) if k != v)
            else:
                out.update(key)
    return out


def dump(ocd2: Path, tool: Path) -> list[tuple[str, list[str]]]:
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "dict.txt"
        subprocess.run([str(tool), "-i", str(ocd2), "-o", str(text), "-f", "ocd2", "-t", "text"], check=True)
        rows = [line.split("\t") for line in text.read_text(encoding="utf-8").splitlines() if line]
    if any(len(row) != 2 for row in rows):
        sys.exit(f"{ocd2}: unexpected dictionary line")
    return [(key, values.split(" ")) for key, values in rows]


def main() -> None:
    import opencc

    from policytag.normalize import _HAN, opencc_fingerprint

    share = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    tool = Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict"
    config = share / CONFIG
    entries = [entry for ocd2 in dictionary_files(config) for entry in dump(ocd2, tool)]
    han = re.compile(f"[{_HAN}]+")
    odd = [key for key, _ in entries if not han.fullmatch(key)]
    if odd:  # normalize converts Han runs one by one: a key must not span anything else
        sys.exit(f"keys with characters that are not Han: {odd[:10]}")
    chars = "".join(sorted(changing_characters(entries)))
    json.dump({"config": CONFIG, "opencc": opencc.__version__, "sha1": opencc_fingerprint(config), "chars": chars},
              sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
