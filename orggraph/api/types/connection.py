"""Relay-style connections: ``edges { cursor node }``, ``pageInfo``, ``totalCount``.

Lists are sorted by a stable key (the id) and the cursor is that key, opaque (base64), so
a page boundary does not shift when rows are added before it.
"""

# strawberry's field decorators are typed as returning Any when given keyword arguments.
# mypy: disallow-untyped-decorators=False

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from orggraph.errors import Problem, ValidationFailed

__all__ = ["DEFAULT_PAGE", "MAX_PAGE", "Connection", "Edge", "PageInfo", "paginate"]

T = TypeVar("T")
X = TypeVar("X")

#: Items a connection hands out when neither ``first`` nor ``last`` is given.
DEFAULT_PAGE = 50
#: The largest page a connection hands out: a city's branches in one page, as the
#: responsibility list and the ledgers print them (Xining has some 4,500). What a request
#: may ask for is bounded by its cost (``orggraph.api.limits.QueryCost``), which counts
#: the pages asked, or this largest one for a page size it cannot know.
MAX_PAGE = 5000
_PREFIX = "k:"


@strawberry.type(description="翻页信息 Where a page sits in its list")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="One item of a page, with its cursor")
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a long list (Relay connection)")
class Connection(Generic[T]):
    @strawberry.field
    def edges(self) -> list[Edge[T]]:
        # Made when asked: a page read through ``nodes`` encodes no cursor per item.
        cursors = [encode_cursor(k) for k in self._keys]
        return [Edge(cursor=c, node=o) for c, o in zip(cursors, self.nodes, strict=True)]

    nodes: list[T] = strawberry.field(description="The page's items, without cursors")
    page_info: PageInfo
    total_count: int = strawberry.field(description="总数 Items in the whole list")
    _keys: strawberry.Private[list[str]]


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode((_PREFIX + key).encode()).decode()


def decode_cursor(cursor: str, argument: str) -> str:
    """The key inside ``cursor``; a cursor this server did not make is a validation error."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_PREFIX):
        raise ValidationFailed(
            [
                Problem(
                    rule="cursor",
                    column=argument,
                    value=cursor,
                    message=f"{argument}: {cursor!r} is not a cursor from this list",
                )
            ]
        )
    return text[len(_PREFIX) :]


def _check_size(value: int | None, argument: str) -> None:
    if value is not None and not 0 <= value <= MAX_PAGE:
        raise ValidationFailed(
            [
                Problem(
                    rule="page-size",
                    column=argument,
                    value=str(value),
                    message=f"{argument} must be between 0 and {MAX_PAGE}, not {value}",
                )
            ]
        )


def paginate(
    items: Sequence[X],
    key: Callable[[X], str],
    make: Callable[[list[X]], list[T]],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[T]:
    """One page of ``items`` (already sorted by ``key``); ``make`` turns the page into objects.

    Only the page's items are handed to ``make``, so only they become objects (and one
    loader group): relations asked of them are loaded for the page, not the whole list.
    """
    _check_size(first, "first")
    _check_size(last, "last")
    if first is None and last is None:
        first = DEFAULT_PAGE
    keys = [key(item) for item in items]
    start, stop = 0, len(items)
    if after is not None:
        start = bisect_right(keys, decode_cursor(after, "after"))
    if before is not None:
        stop = max(start, bisect_left(keys, decode_cursor(before, "before")))
    lo, hi = start, stop
    if first is not None:
        hi = min(hi, lo + first)
    if last is not None:
        lo = max(lo, hi - last)
    page = list(items[lo:hi])
    objects = make(page)
    return Connection(
        nodes=objects,
        page_info=PageInfo(
            has_next_page=hi < len(items),
            has_previous_page=lo > 0,
            start_cursor=encode_cursor(keys[lo]) if lo < hi else None,
            end_cursor=encode_cursor(keys[hi - 1]) if lo < hi else None,
        ),
        total_count=len(items),
        _keys=keys[lo:hi],
    )
