"""Cell values → typed values: text, numbers, yes/no, dates and enum codes or Chinese labels.

A spreadsheet cell arrives as text (CSV), as a typed cell (XLSX: numbers, dates, booleans)
or as a JSON value. Each parser returns the typed value or raises ``ValueError`` whose
message says what was expected; the caller adds the place.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from orggraph.model import parse_enum

__all__ = ["BadCell", "is_blank", "parse_value"]

_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?$"  # a midnight time, as exports of date cells add
)
_INT = re.compile(r"^[+-]?\d+$")
_TRUE = frozenset({"是", "true", "yes", "y", "1", "t", "√"})
_FALSE = frozenset({"否", "false", "no", "n", "0", "f", "×"})
_LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")


@dataclass(frozen=True, slots=True)
class BadCell:
    """A spreadsheet cell that holds no value to import: a formula or an error (#REF!)."""

    kind: str  # "formula" or "error"
    text: str
    cell: str  # its coordinate, e.g. "C5"

    def describe(self) -> str:
        if self.kind == "formula":
            return (
                f"cell {self.cell} holds the formula {self.text}; an import takes values "
                "only (copy the column and paste it back as values)"
            )
        return f"cell {self.cell} holds the error value {self.text}"


def is_blank(value: Any) -> bool:
    """Whether a cell is empty: ``None``, or text of only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def parse_value(kind: type | str, value: Any) -> Any:
    """``value`` as ``kind`` (``str``, ``int``, ``float``, ``bool``, ``date``, ``list`` or an enum).

    Enum values are returned as their codes (plain strings), dates as ``date``.
    """
    if isinstance(value, str) and (kind == "date" or isinstance(kind, type)):
        # A column of dates or enum labels repeats a few values many times.
        return _cached(kind, value)
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return _enum(kind, value)
    return _PARSERS[str(kind)](value)


@functools.lru_cache(maxsize=4096)
def _cached(kind: type | str, value: str) -> Any:
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return _enum(kind, value)
    return _PARSERS[str(kind)](value)


def _enum(kind: type[StrEnum], value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a {kind.__name__}; expected text")
    return parse_enum(kind, value).value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a yes/no value; expected text")
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        # Excel stores a code typed as a number (630100) as a float.
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime | date):
        return _date(value).isoformat()
    raise ValueError(f"{value!r} is not text")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a yes/no value; expected a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if _INT.match(text):
            return int(text)
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            if number.is_integer():
                return int(number)
    raise ValueError(f"{value!r} is not a whole number")


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a yes/no value; expected a number")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ""))
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    else:
        raise ValueError(f"{value!r} is not a number")
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"{value!r} is not yes/no; expected 是/否, true/false or 1/0")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise ValueError(f"{value!r} has a time of day; expected a date")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        match = _DATE.match(value.strip())
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return date(year, month, day)
            except ValueError as exc:
                raise ValueError(f"{value!r} is not a real date ({exc})") from None
    raise ValueError(f"{value!r} is not a date; expected YYYY-MM-DD (or 2019/6/30)")


def _list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [_text(v) for v in value if not is_blank(v)]
    if isinstance(value, str):
        return [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]
    raise ValueError(f"{value!r} is not a list; expected items separated by 、 or ,")


_PARSERS = {
    "str": _text,
    "int": _int,
    "float": _float,
    "bool": _bool,
    "date": _date,
    "list": _list,
}
