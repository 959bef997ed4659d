"""The questions the graph answers; business rules live here, once.

One family of questions per module (networkx style): ``chain`` (responsibility chains),
``gaps`` (coverage gaps), ``coverage`` (coverage rates), ``weak`` (weak-branch rules),
``remediation`` (cases), ``pairing`` (suggestions), ``changes`` (change over time and
what-if), ``report`` (the seed's figures). Every function takes the store, an ``as_of``
date and a ``Scope``, and never returns anything outside the scope.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

__all__ = ["jsonable"]


def jsonable(value: Any) -> Any:
    """A result made of dataclasses, enums, dates and containers, as plain JSON data.

    >>> from datetime import date
    >>> jsonable({"when": date(2019, 6, 30), "ids": ("a", "b")})
    {'when': '2019-06-30', 'ids': ['a', 'b']}
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value
