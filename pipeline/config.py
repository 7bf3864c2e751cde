"""One configuration: shipped defaults, then ``--config FILE``, then CLI options."""

from __future__ import annotations

import copy
import functools
import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .resources import data_dir

Config = dict[str, dict[str, Any]]


@functools.cache
def _defaults() -> Config:
    with open(data_dir("configs") / "default.toml", "rb") as fh:
        return tomllib.load(fh)


def default_config() -> Config:
    return copy.deepcopy(_defaults())


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Defaults, updated from a TOML file, then from ``{"section.key": value}`` overrides.

    Unknown sections or keys are an error, so a typo never silently does nothing;
    every value is checked (``validate``) before anything runs.
    """
    config = default_config()
    if path is not None:
        try:
            with open(path, "rb") as fh:
                user = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except IsADirectoryError:
            raise ConfigError(f"config file {path} is a directory") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read config file: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: config file is not UTF-8 (first bad byte at offset {exc.start}); "
                              "save it as UTF-8") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        config = merge(config, user, source=str(path))
        validate(config, str(path))
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        section, _, key = dotted.partition(".")
        config = merge(config, {section: {key: value}}, source="command line")
    validate(config, "command line")
    return config


# Allowed values beyond the type of the shipped default (which every value must have).
CHOICES: dict[str, tuple[str, ...]] = {
    "segment.unit": ("paragraph", "sentence"),
    "tokenize.backend": ("jieba", "jieba-py", "pkuseg", "spacy"),
    "output.format": ("jsonl", "csv", "xlsx", "parquet"),
}
# (lowest, highest) allowed, None = open; a float bound left open is written as a strict check below
RANGES: dict[str, tuple[float | None, float | None]] = {
    "segment.min_chars": (0, None), "segment.wrap_ratio": (0, 1), "segment.wrap_max_width": (1, None),
    "segment.full_line": (0, None), "segment.heading_max": (1, None), "segment.max_paragraph_chars": (0, None),
    "classify.default_threshold": (0, 1), "classify.ngram_max": (1, 6), "classify.hash_bits": (8, 24),
    "classify.lexicon_weight": (0, None), "classify.section_weight": (0, None),
    "classify.sentence_min_chars": (1, None),
    "output.jobs": (1, None), "output.batch_size": (1, 1_000_000),
    "stats.section_level": (0, None), "stats.top_terms": (1, None),
    "read.max_document_mb": (1, None),
}
POSITIVE = ("classify.C",)
# Keys that take one text value or a list of them (several lexicons: ["policy_terms.yaml", "mine.yml"]).
TEXT_OR_LIST = ("match.lexicon",)


def _kind(value: Any) -> str:
    return {bool: "true/false", int: "a whole number", float: "a number", str: "text", list: "a list"}.get(
        type(value), type(value).__name__)


def validate(config: Config, source: str) -> None:
    """ConfigError naming key and value for the first value of the wrong type or out of range."""
    defaults = _defaults()
    for section, values in config.items():
        for key, value in values.items():
            name, default = f"{section}.{key}", defaults.get(section, {}).get(key)
            if default is None:
                continue
            _check_value(name, value, default, source)


def _check_value(name: str, value: Any, default: Any, source: str) -> None:
    def fail(why: str) -> ConfigError:
        return ConfigError(f"{source}: {name} = {value!r}: {why}")

    if name in TEXT_OR_LIST:
        if not (isinstance(value, str) or (isinstance(value, list) and value
                                           and all(isinstance(v, str) for v in value))):
            raise fail("expected text or a list of text values")
        return

    numeric = isinstance(default, int | float) and not isinstance(default, bool)
    if isinstance(default, bool) and not isinstance(value, bool):
        raise fail("expected true or false")
    if numeric and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise fail(f"expected {_kind(default)}")
    if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, float):
        raise fail("expected a whole number")
    if isinstance(default, str) and not isinstance(value, str):
        raise fail("expected text")
    if isinstance(default, list) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise fail("expected a list of text values")
    if name in CHOICES and value not in CHOICES[name]:
        raise fail(f"expected one of {', '.join(CHOICES[name])}")
    low, high = RANGES.get(name, (None, None))
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"between {low} and {high}"
        raise fail(f"expected {bounds}")
    if name in POSITIVE and value <= 0:
        raise fail("expected a number above 0")
    if name == "read.default_encoding":
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise fail("unknown encoding") from None


def merge(base: Config, update: dict[str, Any], source: str) -> Config:
    out = copy.deepcopy(base)
    for section, values in update.items():
        if section not in out or not isinstance(values, dict):
            raise ConfigError(f"{source}: unknown config section [{section}]")
        for key, value in values.items():
            if key not in out[section]:
                raise ConfigError(f"{source}: unknown config key {section}.{key}")
            out[section][key] = value
    return out
