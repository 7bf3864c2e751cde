"""One configuration: shipped defaults, then ``--config FILE``, then CLI options."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .resources import data_dir

Config = dict[str, dict[str, Any]]


def default_config() -> Config:
    with open(data_dir("configs") / "default.toml", "rb") as fh:
        return tomllib.load(fh)


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Defaults, updated from a TOML file, then from ``{"section.key": value}`` overrides.

    Unknown sections or keys are an error, so a typo never silently does nothing.
    """
    config = default_config()
    if path is not None:
        try:
            with open(path, "rb") as fh:
                user = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        config = merge(config, user, source=str(path))
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        section, _, key = dotted.partition(".")
        config = merge(config, {section: {key: value}}, source="command line")
    return config


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
