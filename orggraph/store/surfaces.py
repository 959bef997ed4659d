"""Every surface × role × what it shows: the table in docs/SECURITY.md, made from the policy.

Each surface (a GraphQL node type or analysis field, an export kind in a format, a saved
query's export, a payload of the web page, a CLI table) is declared here by what it
exposes, never by what it shows: the node kind it reads, the analysis result classes it
returns (their classifications are declared beside them, ``masking.classify``), whether it
names people, the export's classification (``EXPORT_CLASSIFICATION``), the GraphQL fields
it runs. What each role sees is then worked out from the classifications alone
(``CLEARANCE``, ``orggraph.model.fields``, the results' declarations), so the table cannot
say one thing while the policy does another: ``tests/security/test_surface_table.py``
fails when docs/SECURITY.md differs from ``surface_table()``. Regenerate it with::

    python -m orggraph.store.surfaces --write docs/SECURITY.md

Cells: ``all``; ``refused: PERMISSION_DENIED``; the fields that are ``null`` (GraphQL)
or the columns that read ``(无权查看)`` (tables); what is left out. Inside its scope:
everything outside an actor's scope is hidden as ``范围外`` on every surface, whatever the
role (the section "What is hidden, and how each surface shows it").
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from orggraph.model import FACTS, LINK_FIELDS, LinkKind, NodeKind
from orggraph.model.fields import NAME_CLASSIFICATION
from orggraph.store.masking import (
    CLEARANCE,
    PEOPLE,
    Clearance,
    declared_result,
    masked_node_fields,
    node_attr_allowed,
)

__all__ = [
    "CLI_TABLES",
    "END",
    "EXPORT_CLASSIFICATION",
    "EXPORT_FORMATS",
    "ROLES",
    "SAVED_QUERIES",
    "START",
    "SURFACES",
    "WEB_FILTERS",
    "WEB_PAYLOADS",
    "Surface",
    "replace_table",
    "surface_cell",
    "surface_table",
]

#: The roles, least to most trusted: the table's columns.
ROLES = ("viewer", "analyst", "editor", "admin")

#: The most guarded classification each export's columns hold (``/exports/{kind}``
#: refuses a role not cleared for it, before building anything).
EXPORT_CLASSIFICATION: dict[str, str] = {
    "responsibility-list": "personal",
    "ledger": "personal",
    "coverage": "internal",
    "ranking": "personal",
    "query": "public",  # masked field by field by the GraphQL types
}

#: The formats, as the table names them: the gate is the kind's, before any format is
#: chosen, so every format of a kind shows the same (the test asks each registered one).
EXPORT_FORMATS = "xlsx, csv, html, …"

START = "<!-- surfaces:start -->"
END = "<!-- surfaces:end -->"

_A = "orggraph.analysis."
_NOT_PERMITTED = "无权查看"


@dataclass(frozen=True, kw_only=True, slots=True)
class Surface:
    """One place an actor reads from, declared by what it exposes.

    ``node``: a GraphQL node type's kind (its attributes and name); ``facts``: the yearly
    facts type; ``link``: a link type's kind; ``results``: the analysis result classes it
    returns (qualified names), ``parts`` those found inside them (left out, not refused,
    for a role below their classification); ``people``: it names members or experts;
    ``dropped``: node kinds it leaves out when their name may not be read (a drawing's
    cases); ``export``: the export kind whose classification gates it; ``filters``: the attributes
    it filters on (refused to a role that may not read one); ``via``: the GraphQL
    fields it runs (saved queries, web payloads); ``local``: it runs as the local
    administrator (the CLI), narrowed by ``--scope`` only; ``nodes``: it answers nodes,
    each masked as its GraphQL type is.
    """

    group: str
    name: str
    node: NodeKind | None = None
    facts: bool = False
    link: LinkKind | None = None
    results: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    people: bool = False
    dropped: tuple[NodeKind, ...] = ()
    export: str | None = None
    via: tuple[str, ...] = ()
    local: bool = False
    nodes: bool = False
    filters: tuple[tuple[NodeKind, str], ...] = ()
    #: How a hidden value shows: ``null`` (GraphQL), ``(无权查看)`` (export and CLI
    #: tables), ``empty`` (a saved query's export: GraphQL's null, as an empty cell).
    shows: str = "null"


def _gql(field: str, *results: str, parts: Sequence[str] = (), people: bool = True) -> Surface:
    return Surface(
        group="GraphQL analyses",
        name=f"`{field}`",
        results=tuple(_A + r for r in results),
        parts=tuple(_A + p for p in parts),
        people=people,
    )


_NODE_TYPES = {
    NodeKind.ORGANIZATION: "Organization",
    NodeKind.WORKING_GROUP: "WorkingGroup",
    NodeKind.MEMBER: "Member",
    NodeKind.EXPERT: "Expert",
    NodeKind.UNIT: "Unit",
    NodeKind.CASE: "RemediationCase",
    NodeKind.DUTY_LIST: "DutyListNode",
    NodeKind.DUTY: "DutyNode",
}

_ANALYSES: tuple[Surface, ...] = (
    _gql("responsibilityChain", "chain.Chain"),
    _gql("responsibilities", "chain.Responsibilities", parts=("chain.CaseRef",)),
    _gql("coverageGaps", "gaps.Gap"),
    _gql("unitCoverage", "coverage.UnitCoverage", people=False),
    _gql("coverageRates", "coverage.CoverageRate", people=False),
    _gql("coverageChange", "coverage.CoverageChange", people=False),
    _gql("report", "report.SeedReport", people=False),
    _gql("weakBranches", "weak.WeakBranch", parts=("weak.RuleFailure",), people=False),
    _gql("remediationCases", "remediation.Case", parts=("remediation.CaseStep",)),
    _gql("pairingSuggestions", "pairing.PairingPlan"),
    _gql("changes", "changes.ChangeReport"),
    _gql("whatIf", "whatif.Impact"),
    _gql(
        "dutyList",
        "cycle.DutyList",
        parts=("cycle.Duty", "cycle.DutyStep", "cycle.ListStep", "cycle.Question"),
    ),
    _gql(
        "dutyLists",
        "cycle.DutyList",
        parts=("cycle.Duty", "cycle.DutyStep", "cycle.ListStep", "cycle.Question"),
    ),
    _gql("cycleDashboard", "cycle.CycleProgress", people=False),
    Surface(
        group="GraphQL analyses",
        name="`subgraph`",
        people=True,
        dropped=(NodeKind.CASE,),
    ),
    Surface(
        group="GraphQL analyses",
        name="`mapState`",
        results=(_A + "coverage.UnitCoverage",),
        parts=(_A + "coverage.CoverageRate",),  # its areas' rates: left out below internal
    ),
)

#: The exports' own rows (the kinds built by ``orggraph.exports``), by what they hold.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "responsibility-list": ("chain.Responsibilities",),
    "ledger": ("remediation.Case",),
    "coverage": ("coverage.CoverageRate", "coverage.CoverageChange"),
    "ranking": ("cycle.Ranked",),
}

#: Saved queries (``queries/*.graphql``) and the root fields each runs; the test checks
#: this against the files.
SAVED_QUERIES: dict[str, tuple[str, ...]] = {
    "changes": ("changes",),
    "coverage_gaps": ("coverageGaps",),
    "coverage_rates": ("coverageRates",),
    "org_tree": ("subgraph",),
    "organizations": ("organizations",),
    "pairing_suggestions": ("pairingSuggestions",),
    "remediation_cases": ("remediationCases",),
    "report": ("report",),
    "responsibilities": ("responsibilities",),
    "responsibility_chain": ("responsibilityChain",),
    "search": ("search",),
    "weak_branches": ("weakBranches",),
    "what_if": ("whatIf",),
}

#: Attributes the web page's payloads filter on: a role that may not read one is refused
#: the payload (filtering on it would reveal it).
WEB_FILTERS: dict[str, tuple[tuple[NodeKind, str], ...]] = {
    "meta": ((NodeKind.ORGANIZATION, "level"),),
    "networkLeaders": ((NodeKind.MEMBER, "is_leader"),),
    "networkPairs": ((NodeKind.ORGANIZATION, "level"),),
}

#: The web page's payloads (``orggraph/web/static/api.js`` ``QUERIES``) and their fields.
WEB_PAYLOADS: dict[str, tuple[str, ...]] = {
    "meta": ("me", "organizations"),
    "roots": ("nodes",),
    "timeline": ("timeline",),
    "dataDate": ("dataDate",),
    "tree": ("subgraph",),
    "state": ("mapState",),
    "networkGroups": ("workingGroups",),
    "networkLeaders": ("members",),
    "networkPairs": ("organizations",),
    "changes": ("changes",),
    "coverage": ("coverageRates",),
    "search": ("search",),
    "detail": ("node",),
    "chain": ("responsibilityChain",),
}

#: The CLI's tables and the analysis each prints.
CLI_TABLES: dict[str, tuple[str, ...]] = {
    "chain": ("chain.Chain",),
    "responsibilities": ("chain.Responsibilities",),
    "gaps": ("gaps.Gap",),
    "coverage": ("coverage.CoverageRate",),
    "weak": ("weak.WeakBranch",),
    "cases": ("remediation.Case",),
    "pairings": ("pairing.PairingPlan",),
    "changes": ("changes.ChangeReport",),
    "report": ("report.SeedReport",),
    "whatif": ("whatif.Impact",),
    "cycle": ("cycle.DutyList", "cycle.CycleProgress"),
}


def _lookups() -> tuple[Surface, ...]:
    """The root fields that read nodes: lookups, lists, search (as the node types)."""
    group = "GraphQL lookups and lists"
    return (
        Surface(group=group, name="`node`, `nodes`, `organization`, `member`", nodes=True),
        Surface(
            group=group,
            name="`organizations`, `members`, `units`, `experts`, `workingGroups`",
            nodes=True,
        ),
        Surface(group=group, name="`search`", nodes=True),
        Surface(group=group, name="`timeline`"),
    )


def _surfaces() -> tuple[Surface, ...]:
    out: list[Surface] = [
        Surface(group="GraphQL node types", name=f"`{name}`", node=kind)
        for kind, name in _NODE_TYPES.items()
    ]
    out.append(Surface(group="GraphQL node types", name="`YearFacts`", facts=True))
    out += [
        Surface(group="GraphQL link types", name=f"`{kind.value}` links", link=kind)
        for kind in LINK_FIELDS
    ]
    out += _lookups()
    out += _ANALYSES
    for kind, holds in _EXPORTS.items():
        out.append(
            Surface(
                group="exports",
                name=f"`/exports/{kind}` (every format: {EXPORT_FORMATS})",
                export=kind,
                results=tuple(_A + r for r in holds),
                people=EXPORT_CLASSIFICATION[kind] != "internal",
                shows=f"({_NOT_PERMITTED})",
            )
        )
    for name, fields in SAVED_QUERIES.items():
        out.append(
            Surface(
                group="saved-query exports",
                name=f"`/exports/query?name={name}` (every format)",
                export="query",
                via=fields,
                shows="empty",
            )
        )
    for name, fields in WEB_PAYLOADS.items():
        shown = ", ".join(f"`{f}`" for f in fields)
        out.append(
            Surface(
                group="web payloads",
                name=f"{name} ({shown})",
                via=fields,
                filters=WEB_FILTERS.get(name, ()),
            )
        )
    for command, holds in CLI_TABLES.items():
        out.append(
            Surface(
                group="CLI tables",
                name=f"`orggraph {command}`",
                results=tuple(_A + r for r in holds),
                people=True,
                local=True,
                shows=f"({_NOT_PERMITTED})",
            )
        )
    return tuple(out)


def _by_field() -> dict[str, Surface]:
    found: dict[str, Surface] = {}
    for surface in (*_lookups(), *_ANALYSES):
        for name in re.findall(r"`(\w+)`", surface.name):
            found[name] = surface
    return found


def _hidden(what: str, shows: str) -> str:
    """``what`` as a surface shows it hidden from a role: ``… null (无权查看)``."""
    if shows == "null":
        return f"{what} null ({_NOT_PERMITTED})"
    if shows == "empty":
        return f"{what} empty ({_NOT_PERMITTED})"
    return f"{what} read {shows}"


def _fields(names: Sequence[str], shows: str = "null") -> str:
    return _hidden(", ".join(f"`{n}`" for n in names), shows)


def _node_cell(kind: NodeKind, clearance: Clearance) -> str:
    hidden = masked_node_fields(kind, clearance)
    return "all" if not hidden else _fields(hidden) + ", listed in `masked`"


#: What the parts of results are, where a role is left without them.
_PARTS = {
    _A + "chain.CaseRef": "open cases",
    _A + "remediation.CaseStep": "case steps",
    _A + "weak.RuleFailure": "rule failures",
}


def _own_cell(surface: Surface, clearance: Clearance) -> str:
    """What ``surface`` shows ``clearance``, from its own declaration."""
    if surface.export is not None and EXPORT_CLASSIFICATION[surface.export] not in clearance:
        return "refused: PERMISSION_DENIED (403)"
    for kind, attr in surface.filters:
        if not node_attr_allowed(kind, attr, clearance):
            return f"refused: PERMISSION_DENIED (filters on `{attr}`)"
    if surface.node is not None:
        return _node_cell(surface.node, clearance)
    if surface.facts:
        hidden = [n for n, spec in FACTS.items() if spec.classification not in clearance]
        return "all" if not hidden else _fields(hidden) + ", listed in `masked`"
    if surface.link is not None:
        specs = LINK_FIELDS[surface.link]
        hidden = [s.name for s in specs if s.classification not in clearance]
        return "all" if not hidden else _fields(hidden)
    if surface.nodes:
        masked = [k for k in _NODE_TYPES if masked_node_fields(k, clearance)]
        if not masked:
            return "all"
        shown = ", ".join(f"`{_NODE_TYPES[k]}`" for k in masked)
        return f"as the node types above (masked: {shown})"
    notes: list[str] = []
    for name in surface.results:
        declared = declared_result(name)
        if declared is not None and declared.result not in clearance:
            return "refused: PERMISSION_DENIED"
    hidden_fields: list[str] = []
    for name in (*surface.results, *surface.parts):
        declared = declared_result(name)
        if declared is None:
            continue
        if name in surface.parts and declared.result not in clearance:
            notes.append(f"{_PARTS.get(name, name.rsplit('.', 1)[1])} left out")
            continue
        hidden_fields += [f for f, cls in declared.fields.items() if cls not in clearance]
    if hidden_fields:
        notes.insert(0, _fields(list(dict.fromkeys(hidden_fields)), surface.shows))
    if surface.people and not all(NAME_CLASSIFICATION[k] in clearance for k in PEOPLE):
        notes.append(_hidden("people's names", surface.shows))
    for kind in surface.dropped:
        if NAME_CLASSIFICATION[kind] not in clearance:
            notes.append(f"{_NODE_TYPES[kind]} nodes left out")
    return "; ".join(notes) if notes else "all"


def surface_cell(surface: Surface, role: str) -> str:
    """What ``surface`` shows an actor of ``role`` inside its scope (one table cell)."""
    if surface.local and role != "admin":
        return "– (runs as the local administrator)"
    clearance = CLEARANCE[role]
    own = _own_cell(surface, clearance)
    if not surface.via or own.startswith("refused"):
        return own
    fields = _by_field()
    cells = [_own_cell(fields[name], clearance) for name in surface.via if name in fields]
    if any(c.startswith("refused") for c in cells):
        if surface.export:  # the document ran, and its field was refused: as the export
            return "refused: PERMISSION_DENIED (403)"
        return "refused: PERMISSION_DENIED"
    notes = list(dict.fromkeys(n for c in cells if c != "all" for n in c.split("; ")))
    if surface.shows == "empty":  # GraphQL's null, written as an empty cell
        notes = [n.replace(" null (", " empty (") for n in notes]
    return "; ".join(notes) if notes else "all"


def surface_table() -> str:
    """The Markdown table: one row per surface, one column per role."""
    lines = [
        "| surface | " + " | ".join(ROLES) + " |",
        "|---|" + "---|" * len(ROLES),
    ]
    group = None
    for surface in _surfaces():
        if surface.group != group:
            group = surface.group
            lines.append(f"| **{group}** |" + " |" * len(ROLES))
        cells = [surface_cell(surface, role) for role in ROLES]
        lines.append(f"| {surface.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


#: Every surface, in the table's order.
SURFACES = _surfaces()


def replace_table(text: str, table: str | None = None) -> str:
    """``text`` (docs/SECURITY.md) with the table between ``START`` and ``END`` made anew."""
    table = surface_table() if table is None else table
    pattern = re.compile(rf"{re.escape(START)}\n.*?{re.escape(END)}", re.S)
    if not pattern.search(text):
        raise ValueError(f"no {START} … {END} markers in the text")
    return pattern.sub(lambda _: f"{START}\n{table}{END}", text)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table, or with ``--write FILE`` put it between the markers in FILE."""
    parser = argparse.ArgumentParser(prog="python -m orggraph.store.surfaces")
    parser.add_argument("--write", type=Path, help="rewrite the table in this Markdown file")
    args = parser.parse_args(argv)
    if args.write is None:
        sys.stdout.write(surface_table())
        return 0
    path: Path = args.write
    path.write_text(replace_table(path.read_text("utf-8")), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
