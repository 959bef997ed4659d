"""The business-rule thresholds, read from a documented TOML file with defaults.

The shipped ``rules.toml`` beside this module holds every key with its default. A
deployment's own file (``ORGGRAPH_RULES`` / ``--rules``) overrides the keys it names; an
unknown key or a value of the wrong type is a ``ConfigError`` that names both.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from orggraph.errors import ConfigError

__all__ = ["CYCLE_WINDOWS", "RulesConfig", "load_rules", "month_day"]

#: The ``[cycle]`` windows of a responsibility list's year, in the order they come.
CYCLE_WINDOWS = ("open_from", "commit_by", "observe_from", "observe_to", "review_from", "review_by")


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
        _check_cycle(data, "defaults")
        return RulesConfig(data, "defaults")
    try:
        override = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"rules file {path!r} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"rules file {path!r} is not valid TOML: {exc}") from exc
    merged = _merge(data, override, path, "")
    _check_cycle(merged, f"rules file {path!r}")
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


_MONTH_DAY = re.compile(r"(\d\d)-(\d\d)")


def month_day(text: object) -> tuple[int, int] | None:
    """The (month, day) of ``"MM-DD"``, or ``None`` when it is not a day every year has.

    >>> month_day("03-31"), month_day("02-29"), month_day("3-31")
    ((3, 31), None, None)
    """
    found = _MONTH_DAY.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        return None
    month, day = int(found[1]), int(found[2])
    try:
        date(2019, month, day)  # a year without February 29
    except ValueError:
        return None
    return month, day


def _check_cycle(data: dict[str, Any], source: str) -> None:
    """Each ``[cycle]`` window a month-day, and in order within the year: ``commit_by`` <
    ``observe_from`` <= ``observe_to`` < ``review_from`` (``open_from`` and ``review_by``
    wrap into the years around it, so any day will do for them)."""
    windows = data.get("cycle", {})
    days: dict[str, tuple[int, int]] = {}
    for key in CYCLE_WINDOWS:
        value = windows.get(key)
        found = month_day(value)
        if found is None:
            raise ConfigError(
                f"{source}: [cycle] {key} = {value!r}; expected a month and day 'MM-DD' "
                "that every year has (like '03-31'; not '02-29')"
            )
        days[key] = found
    for before, after, strict in (
        ("commit_by", "observe_from", True),
        ("observe_from", "observe_to", False),
        ("observe_to", "review_from", True),
    ):
        if days[after] < days[before] or (strict and days[after] == days[before]):
            word = "after" if strict else "on or after"
            raise ConfigError(
                f"{source}: [cycle] {after} = {windows[after]!r} must come {word} "
                f"{before} = {windows[before]!r} in the year"
            )
