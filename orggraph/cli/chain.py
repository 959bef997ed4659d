"""``orggraph chain ID``: the responsibility chain of a node (书记抓、抓书记).

Also home of the texts other commands show people and breaks with (``person_text``,
``break_text``); tables are drawn by ``orggraph.cli.tables``.
"""

from __future__ import annotations

from datetime import date

import click

from orggraph.analysis.chain import (
    BREAK_LABELS_ZH,
    Chain,
    ChainBreak,
    ChainLevel,
    Person,
    responsibility_chain,
)
from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import analysis_options, as_of_for, echo_json, make_scope
from orggraph.cli.tables import Heading, echo_line, render_table
from orggraph.model import Level, LinkKind, NodeKind, label
from orggraph.store.masking import Hidden, hidden_text

__all__ = ["break_text", "command", "person_text", "print_chain", "render_table"]

_VIA_ZH = {
    "organization": "本组织",
    "member_of": label(LinkKind.MEMBER_OF),
    "holds_post": label(LinkKind.HOLDS_POST),
    "established_in": label(LinkKind.ESTABLISHED_IN),
    "area": "所在区域党(工)委",
    "serves": label(LinkKind.SERVES),
    "covers": label(LinkKind.COVERS),
}


_LEVELS = frozenset(lv.value for lv in Level)


def person_text(person: Person | None, *, vacant: str = "空缺") -> str:
    """A person as shown in a table: ``name(id)``, the hidden shape (``(范围外)``, or
    ``(无权查看)`` for a name the role may not read) when hidden."""
    if person is None:
        return vacant
    if person.hidden:
        return hidden_text()
    if person.name is None:
        return f"{hidden_text(Hidden.NOT_PERMITTED)}({person.id})"
    return f"{person.name}({person.id})"


def break_text(
    brk: ChainBreak, names: dict[str, str] | None = None, *, with_kind: bool = True
) -> str:
    """One break as a line of text (organizations by name where ``names`` has them)."""
    parts = [BREAK_LABELS_ZH[brk.kind]] if with_kind else []
    if brk.organization:
        name = (names or {}).get(brk.organization)
        parts.append(f"{name}({brk.organization})" if name else brk.organization)
    if brk.subject:
        parts.append(f"对象 {brk.subject}")
    if brk.since:
        parts.append(f"自 {brk.since.isoformat()}")
    return "  ".join(parts)


def _level_row(level: ChainLevel) -> list[str]:
    if level.secretary is None:
        since = level.vacant_since.isoformat() if level.vacant_since else "?"
        secretary = f"空缺(自{since})"
    else:
        secretary = person_text(level.secretary)
    groups = "；".join(
        f"{g.name}(" + "、".join(person_text(p) for p in g.leaders) + ")"
        for g in level.working_groups
    )
    level_label = label(Level(level.level)) if level.level in _LEVELS else ""
    partners = "、".join(hidden_text() if p.hidden else f"{p.name}" for p in level.partners)
    name = f"{level.name}({level.organization})" + (" *" if level.hidden else "")
    return [
        level_label,
        name,
        secretary,
        groups,
        "、".join(person_text(p) for p in level.contacts),
        partners,
    ]


def print_chain(chain: Chain) -> None:
    """The chain as readable Chinese tables."""
    kind = label(NodeKind(chain.kind))
    echo_line(
        f"责任链 responsibility chain：{chain.name}({chain.subject}) {kind}，"
        f"截至 {chain.as_of.isoformat()}"
    )
    if chain.instructors:
        click.echo("党建指导员：" + "、".join(person_text(p) for p in chain.instructors))
    if chain.leaders:
        click.echo("领导干部：" + "、".join(person_text(p) for p in chain.leaders))
    headers: list[Heading] = [
        ("层级", "level"),
        ("党组织", "organization"),
        ("书记", "secretary"),
        ("全域党建工作组(牵头领导)", "working group (leaders)"),
        ("联点领导", "contact leaders"),
        ("结对党组织", "paired with"),
    ]
    for path in chain.paths:
        click.echo(f"\n起点 {path.start}（{_VIA_ZH.get(path.via, path.via)}）")
        click.echo(render_table(headers, [_level_row(level) for level in path.levels]))
    if any(level.hidden for path in chain.paths for level in path.levels):
        click.echo("* 范围以上的层级：只显示职位，不显示人员")
    names = {level.organization: level.name for path in chain.paths for level in path.levels}
    click.echo("\n断点 breaks：" + ("无 none" if not chain.breaks else ""))
    for brk in chain.breaks:
        click.echo("  " + break_text(brk, names))


@click.command(name="chain")
@store_option
@click.argument("node_id")
@analysis_options
@pass_app
def command(
    app: AppContext,
    node_id: str,
    as_of: date | None,
    scope_roots: tuple[str, ...],
    sectors: tuple[str, ...],
    as_json: bool,
) -> None:
    """The responsibility chain of NODE_ID up to the top of the hierarchy (责任链：书记抓、抓书记).

    NODE_ID is an organization, member, two-new unit, expert, working group or case.
    """
    scope = make_scope(scope_roots, sectors)
    chain = responsibility_chain(app.store(), node_id, as_of_for(app.store(), as_of), scope)
    if as_json:
        echo_json(chain)
    else:
        print_chain(chain)
