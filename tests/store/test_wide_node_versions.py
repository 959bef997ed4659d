"""``node_versions`` of many ids at once (a change report's people), on every backend.

The embedded store reads a wide request (``WIDE_READ`` ids or more) from its columns in
one loop; the answer is the same as one id at a time: every version of each asked id,
oldest first, the versions read from the file and those written since alike, and no entry
for an id without one.
"""

from __future__ import annotations

from datetime import date

from orggraph.model import WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import WIDE_READ, EmbeddedStore
from tests.graphs import D0, member

COUNT = WIDE_READ + 44  # 300: wide enough for the one-loop read
DEGREE = date(2016, 1, 1)  # every third member gains a degree that day
LATER = date(2020, 1, 1)  # m001 too, written after the store is opened again


def _members() -> WriteBatch:
    first = [member(f"m{i:03d}", f"党员{i:03d}") for i in range(COUNT)]
    degrees = [
        member(f"m{i:03d}", f"党员{i:03d}", start=DEGREE, education="postgraduate")
        for i in range(0, COUNT, 3)
    ]
    return WriteBatch(nodes=(*first, *degrees))


def test_many_ids_get_every_version_as_one_id_does(store: GraphStore) -> None:
    store.write(_members())
    if isinstance(store, EmbeddedStore):  # the versions then come from the file's columns
        path = store.path
        assert path is not None
        store.close()
        store = EmbeddedStore(path)
    try:
        store.write(
            WriteBatch(nodes=(member("m001", "党员001", start=LATER, education="postgraduate"),))
        )
        asked = ["nobody", *(f"m{i:03d}" for i in reversed(range(COUNT)))]
        found = store.node_versions(asked)
        assert len(found) == COUNT  # "nobody" has no entry
        # Worked out from the writes: two versions for m000, m003, ..., m297 (bachelor
        # until 2016-01-01, postgraduate since), two for m001 (bachelor until 2020-01-01,
        # postgraduate since), one open bachelor version for the others.
        expected = {
            f"m{i:03d}": (
                [(D0, DEGREE, "bachelor"), (DEGREE, None, "postgraduate")]
                if i % 3 == 0
                else [(D0, LATER, "bachelor"), (LATER, None, "postgraduate")]
                if i == 1
                else [(D0, None, "bachelor")]
            )
            for i in range(COUNT)
        }
        got = {
            mid: [(v.valid_from, v.valid_to, v.attrs["education"]) for v in versions]
            for mid, versions in found.items()
        }
        assert got == expected
        assert {v.name for v in found["m297"]} == {"党员297"}
        # The same as asking one id at a time (the narrow read).
        for mid in ("m000", "m001", "m002", "m299"):
            assert store.node_versions([mid]) == {mid: found[mid]}
    finally:
        if isinstance(store, EmbeddedStore):
            store.close()
