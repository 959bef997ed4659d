"""The business-rule thresholds, read from a documented TOML file with defaults.

The shipped ``rules.toml`` beside this module holds every key with its default. A
deployment's own file (``ORGGRAPH_RULES`` / ``--rules``) overrides the keys it names; an
unknown key or a value of the wrong type is a ``ConfigError`` that names both.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from orggraph.errors import ConfigError

__all__ = ["RulesConfig", "load_rules"]


class RulesConfig:
    """Thresholds by section: ``config.get("organization", "min_full_members")``."""

    def __init__(self, data: dict[str, dict[str, Any]], source: str) -> None:
        self._data = data
        self.source = source

    def get(self, section: str, key: str) -> Any:
        try:
            return self._data[section][key]
        except KeyError as exc:
            raise ConfigError(f"rules have no key [{section}] {key}") from exc

    def section(self, section: str) -> dict[str, Any]:
        return dict(self._data.get(section, {}))

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {name: dict(values) for name, values in self._data.items()}


def _defaults() -> dict[str, dict[str, Any]]:
    text = resources.files("orggraph.analysis").joinpath("rules.toml").read_text("utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=8)
def load_rules(path: str = "") -> RulesConfig:
    """The defaults, overridden by the TOML file at ``path`` when one is given."""
    data = _defaults()
    if not path:
        return RulesConfig(data, "defaults")
    try:
        override = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"rules file {path!r} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"rules file {path!r} is not valid TOML: {exc}") from exc
    merged = _merge(data, override, path, "")
    return RulesConfig(merged, path)


def _merge(base: dict[str, Any], override: dict[str, Any], path: str, prefix: str) -> Any:
    out = dict(base)
    for key, value in override.items():
        where = f"{prefix}{key}"
        if key not in base:
            raise ConfigError(f"rules file {path!r}: unknown key {where!r}; known: {sorted(base)}")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"rules file {path!r}: {where!r} must be a table")
            out[key] = _merge(base[key], value, path, where + ".")
        elif type(value) is not type(base[key]) and not (
            isinstance(base[key], float) and isinstance(value, int)
        ):
            raise ConfigError(
                f"rules file {path!r}: {where} = {value!r}; expected "
                f"{type(base[key]).__name__} like the default {base[key]!r}"
            )
        else:
            out[key] = value
    return out
