"""Records to and from JSON-ready dicts (dates as ISO strings), for stores and exchange."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from orggraph.model.fields import FACTS, LINK_FIELDS, NODE_FIELDS, FieldSpec
from orggraph.model.kinds import LinkKind, NodeKind
from orggraph.model.records import Fact, Link, Node

__all__ = [
    "DATE_FIELDS",
    "attrs_from_json",
    "attrs_to_json",
    "fact_from_row",
    "link_from_row",
    "link_to_row",
    "node_from_row",
    "node_to_row",
    "read_json",
]

#: The deepest JSON a request may send (arrays and objects inside each other). Real
#: variables nest a few levels; 2,000 levels overflowed the parser's stack (HTTP 500).
MAX_JSON_DEPTH = 64

#: The attributes of each node or link kind whose values are dates.
DATE_FIELDS: dict[object, frozenset[str]] = {
    kind: frozenset(f.name for f in specs if f.value_type == "date")
    for kind, specs in [*NODE_FIELDS.items(), *LINK_FIELDS.items()]
}


def attrs_to_json(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes with dates as ISO strings and enums as their codes; ``None`` dropped."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, date):
            out[key] = value.isoformat()
        elif isinstance(value, tuple):
            out[key] = list(value)
        else:
            out[key] = value
    return out


def attrs_from_json(kind: NodeKind | LinkKind, data: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes read back: date fields of ``kind`` become ``date`` values."""
    out = dict(data)
    # Walk the (one or two) date fields, not every attribute: stores read 100,000s of rows.
    for key in DATE_FIELDS.get(kind, ()):
        value = out.get(key)
        if isinstance(value, str):
            out[key] = date.fromisoformat(value)
    return out


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def node_to_row(node: Node) -> dict[str, Any]:
    return {
        "id": node.id,
        "kind": node.kind.value,
        "name": node.name,
        "valid_from": node.valid_from.isoformat(),
        "valid_to": _iso(node.valid_to),
        "attrs": attrs_to_json(node.attrs),
    }


def node_from_row(row: Mapping[str, Any]) -> Node:
    kind = NodeKind(row["kind"])
    return Node(
        id=row["id"],
        kind=kind,
        name=row["name"],
        valid_from=date.fromisoformat(row["valid_from"]),
        valid_to=date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None,
        attrs=attrs_from_json(kind, row.get("attrs") or {}),
    )


def link_to_row(link: Link) -> dict[str, Any]:
    return {
        "id": link.id,
        "kind": link.kind.value,
        "source": link.source,
        "target": link.target,
        "valid_from": link.valid_from.isoformat(),
        "valid_to": _iso(link.valid_to),
        "attrs": attrs_to_json(link.attrs),
    }


def link_from_row(row: Mapping[str, Any]) -> Link:
    kind = LinkKind(row["kind"])
    return Link(
        kind=kind,
        source=row["source"],
        target=row["target"],
        valid_from=date.fromisoformat(row["valid_from"]),
        valid_to=date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None,
        attrs=attrs_from_json(kind, row.get("attrs") or {}),
    )


def fact_from_row(row: Mapping[str, Any]) -> Fact:
    return Fact(node_id=row["node_id"], year=int(row["year"]), name=row["name"], value=row["value"])


def fact_spec(name: str) -> FieldSpec | None:
    return FACTS.get(name)


def read_json(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """JSON sent by a client, or ``ValueError`` saying what is wrong with it.

    Refused with a message, never an unexpected error: text that is not UTF-8 or not JSON,
    arrays and objects nested deeper than ``max_depth``, and integers longer than Python
    converts (4,300 digits).
    """
    try:
        value = json.loads(text)
    except UnicodeDecodeError as exc:
        raise ValueError("not UTF-8 text") from exc
    except RecursionError as exc:
        raise ValueError(f"JSON nested deeper than {max_depth} levels") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except ValueError as exc:  # int() refusing a number of more than 4,300 digits
        raise ValueError(f"a number too long to read: {exc}".split(";")[0]) from exc
    # Depth, walked without recursion: a value may still be nested to near the parser's
    # limit, and every later walk of it (variable coercion) recurses.
    level: list[tuple[Any, int]] = [(value, 1)]
    while level:
        item, depth = level.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            if depth > max_depth:
                raise ValueError(f"JSON nested deeper than {max_depth} levels")
            level.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return value
