"""The import tables (导入表): one sheet or file per table, columns named in Chinese or English.

Node tables hold one version of a node per row; link tables one dated link per row, with
the two ends named by id in columns named for what they are (``member``, ``organization``);
``facts`` holds yearly facts, one column per fact. Every name below is generated from
``orggraph.model.fields``, so a new attribute there is a new column here, in the JSON
Schemas and in the template workbook at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from orggraph.model import FACTS, LINK_FIELDS, NODE_FIELDS, LinkKind, NodeKind, label

__all__ = [
    "IGNORED_COLUMNS",
    "IGNORED_SHEETS",
    "TABLES",
    "TABLE_HELP",
    "Column",
    "TableSpec",
    "find_table",
    "header_text",
    "normalize",
    "split_bilingual",
]

Role = Literal[
    "id", "name", "valid_from", "valid_to", "attr", "source", "target", "link", "year", "fact"
]


@dataclass(frozen=True, kw_only=True, slots=True)
class Column:
    """One column: its code name (the English header and JSON key) and Chinese label."""

    name: str
    label_zh: str
    value_type: type | str
    role: Role
    required: bool = False
    help: str = ""
    aliases: tuple[str, ...] = ()
    link_kind: LinkKind | None = None  # for a ``link`` column: the link it makes
    #: A column of an earlier format, still read (with a warning) but no longer written:
    #: ``replaced_by`` names the column that took its place.
    replaced_by: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class TableSpec:
    """One table: what its rows become, its columns, and the names it is known by."""

    name: str
    label_zh: str
    columns: tuple[Column, ...]
    node_kind: NodeKind | None = None
    link_kind: LinkKind | None = None
    aliases: tuple[str, ...] = ()
    #: Columns of earlier formats, read but left out of the template, schemas and docs.
    legacy: tuple[Column, ...] = ()
    _by_header: dict[str, Column] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for column in (*self.columns, *self.legacy):
            for text in (column.name, column.label_zh, *column.aliases):
                key = normalize(text)
                other = self._by_header.get(key)
                if other is not None and other is not column:
                    raise AssertionError(f"{self.name}: header {text!r} names two columns")
                self._by_header[key] = column

    @property
    def is_facts(self) -> bool:
        return self.node_kind is None and self.link_kind is None

    @property
    def title(self) -> str:
        """The sheet name the template uses: ``党组织 (organizations)``."""
        return f"{self.label_zh} ({self.name})"

    def column(self, header: object) -> Column | None:
        """The column a header names: code, Chinese label, alias, or ``中文 (english)``."""
        for part in split_bilingual(str(header)):
            found = self._by_header.get(normalize(part))
            if found is not None:
                return found
        return None

    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


_FULLWIDTH = str.maketrans({"（": "(", "）": ")", "　": " ", "＿": "_"})
_BILINGUAL = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")

#: Headers of columns that hold notes: kept out of the import without an error.
IGNORED_COLUMNS = frozenset({"备注", "notes", "note", "remarks", "说明", "comment", "comments"})
#: Sheets that hold instructions, not data (the template's first sheet).
IGNORED_SHEETS = frozenset({"说明", "readme", "填写说明", "instructions"})


def normalize(text: str) -> str:
    """A header or table name compared loosely: case, spaces, ``*`` and full-width forms."""
    out = text.translate(_FULLWIDTH).strip().strip("*").strip().lower()
    return re.sub(r"[\s\-]+", "_", out)


def split_bilingual(text: str) -> list[str]:
    """``"名称 (name)"`` → ``["name", "名称", "名称 (name)"]``; otherwise the text itself."""
    plain = text.translate(_FULLWIDTH).strip()
    match = _BILINGUAL.match(plain)
    if match:
        return [match.group(2), match.group(1), plain]
    return [plain]


def header_text(column: Column) -> str:
    """The header the template writes: ``中文 (english)``."""
    return f"{column.label_zh} ({column.name})"


_KIND_WORD = {
    NodeKind.ORGANIZATION: "organization",
    NodeKind.WORKING_GROUP: "working group",
    NodeKind.MEMBER: "member",
    NodeKind.EXPERT: "expert",
    NodeKind.UNIT: "two-new unit",
    NodeKind.CASE: "remediation case",
    NodeKind.DUTY_LIST: "responsibility list",
    NodeKind.DUTY: "duty",
}


def _common(name_zh: str) -> tuple[Column, ...]:
    other = "姓名" if name_zh == "名称" else "名称"
    return (
        Column(
            name="id",
            label_zh="标识",
            value_type="str",
            role="id",
            required=True,
            help="stable id; territorial organizations use their administrative code",
            aliases=("ID", "唯一标识", "标识码"),
        ),
        Column(
            name="name",
            label_zh=name_zh,
            value_type="str",
            role="name",
            required=True,
            aliases=(other,),
        ),
        *_dates(),
    )


def _dates() -> tuple[Column, ...]:
    return (
        Column(
            name="valid_from",
            label_zh="起始日期",
            value_type="date",
            role="valid_from",
            help="first day valid, YYYY-MM-DD; empty: the import's effective date",
            aliases=("生效日期", "开始日期"),
        ),
        Column(
            name="valid_to",
            label_zh="终止日期",
            value_type="date",
            role="valid_to",
            help="first day no longer valid, YYYY-MM-DD; empty: still valid",
            aliases=("失效日期", "结束日期"),
        ),
    )


def _attrs(kind: NodeKind | LinkKind) -> tuple[Column, ...]:
    specs = NODE_FIELDS[kind] if isinstance(kind, NodeKind) else LINK_FIELDS.get(kind, ())
    return tuple(
        Column(
            name=s.name,
            label_zh=s.label_zh,
            value_type=s.value_type,
            role="attr",
            required=s.required,
            help=s.help,
        )
        for s in specs
    )


def _node_table(
    name: str,
    kind: NodeKind,
    name_zh: str,
    *aliases: str,
    label_zh: str | None = None,
    shortcut: Column | None = None,
    legacy: tuple[Column, ...] = (),
) -> TableSpec:
    columns = (*_common(name_zh), *_attrs(kind), *((shortcut,) if shortcut else ()))
    return TableSpec(
        name=name,
        label_zh=label_zh or label(kind),
        columns=columns,
        node_kind=kind,
        aliases=(kind.value, label(kind), *aliases),
        legacy=legacy,
    )


def _end(name: str, label_zh: str, role: Role, kind: NodeKind) -> Column:
    return Column(
        name=name,
        label_zh=label_zh,
        value_type="str",
        role=role,
        required=True,
        help=f"id of the {_KIND_WORD[kind]}",
        aliases=(role,),
    )


def _link_table(
    name: str,
    label_zh: str,
    kind: LinkKind,
    source: tuple[str, str],
    target: tuple[str, str],
    *aliases: str,
) -> TableSpec:
    from orggraph.model import LINK_ENDS

    source_kind, target_kind = LINK_ENDS[kind]
    columns = (
        _end(source[0], source[1], "source", source_kind),
        _end(target[0], target[1], "target", target_kind),
        *_dates(),
        *_attrs(kind),
    )
    return TableSpec(
        name=name,
        label_zh=label_zh,
        columns=columns,
        link_kind=kind,
        aliases=(kind.value, label(kind), *aliases),
    )


def _facts_table() -> TableSpec:
    columns = (
        Column(
            name="id",
            label_zh="对象标识",
            value_type="str",
            role="id",
            required=True,
            help="id of the organization or member the facts are about",
            aliases=("标识", "ID", "node_id"),
        ),
        Column(name="year", label_zh="年度", value_type="int", role="year", required=True),
        *(
            Column(
                name=s.name, label_zh=s.label_zh, value_type=s.value_type, role="fact", help=s.help
            )
            for s in FACTS.values()
        ),
    )
    return TableSpec(name="facts", label_zh="年度指标", columns=columns, aliases=("fact", "指标"))


_PARENT = Column(
    name="parent",
    label_zh="上级党组织",
    value_type="str",
    role="link",
    help="id of the parent organization: a hierarchy link with this row's dates",
    link_kind=LinkKind.SUBORDINATE_TO,
)
_BRANCH = Column(
    name="organization",
    label_zh="所在党组织",
    value_type="str",
    role="link",
    help="id of the member's organization: a membership link with this row's dates",
    link_kind=LinkKind.MEMBER_OF,
)

_PLACE = Column(
    name="place",
    label_zh="所在地党组织",
    value_type="str",
    role="link",
    help="id of the territorial organization the unit sits in (its village or community, "
    "else its township): a located_in link with this row's dates",
    aliases=("所在地", "所在党组织"),
    link_kind=LinkKind.LOCATED_IN,
)
#: The unit's area as earlier formats wrote it, read once into its place (``place``).
_OLD_AREAS = tuple(
    Column(
        name=name,
        label_zh=label_zh,
        value_type="str",
        role="link",
        link_kind=LinkKind.LOCATED_IN,
        replaced_by="place",
    )
    for name, label_zh in (("township", "所在乡镇(街道)代码"), ("district", "所在区县代码"))
)

L = LinkKind
#: Every import table, in the order the template lists them and imports apply them.
TABLES: tuple[TableSpec, ...] = (
    _node_table("organizations", NodeKind.ORGANIZATION, "名称", shortcut=_PARENT),
    _node_table("working_groups", NodeKind.WORKING_GROUP, "名称", "工作组"),
    _node_table("members", NodeKind.MEMBER, "姓名", shortcut=_BRANCH),
    _node_table("experts", NodeKind.EXPERT, "姓名", "专家"),
    _node_table("units", NodeKind.UNIT, "名称", '"两新"组织', shortcut=_PLACE, legacy=_OLD_AREAS),
    _node_table("cases", NodeKind.CASE, "名称", "整顿转化"),
    _link_table(
        "hierarchy",
        "隶属关系",
        L.SUBORDINATE_TO,
        ("organization", "党组织"),
        ("parent", "上级党组织"),
    ),
    _link_table(
        "memberships",
        "党员组织关系",
        L.MEMBER_OF,
        ("member", "党员"),
        ("organization", "所在党组织"),
    ),
    _link_table("posts", "任职", L.HOLDS_POST, ("member", "党员"), ("organization", "任职党组织")),
    _link_table(
        "group_coverage",
        "工作组包联",
        L.COVERS,
        ("working_group", "工作组"),
        ("organization", "包联党组织"),
    ),
    _link_table(
        "group_leads", "工作组牵头", L.LEADS, ("leader", "牵头领导"), ("working_group", "工作组")
    ),
    _link_table(
        "contacts", "支部联点", L.CONTACTS, ("leader", "联点领导"), ("organization", "联点党组织")
    ),
    _link_table(
        "expert_services", "联系服务专家", L.SERVES, ("leader", "联系领导"), ("expert", "专家")
    ),
    _link_table(
        "pairings", "结对共建", L.PAIRED_WITH, ("helper", "帮扶党组织"), ("helped", "受帮扶党组织")
    ),
    _link_table(
        "establishments",
        "党组织组建",
        L.ESTABLISHED_IN,
        ("organization", "党组织"),
        ("unit", "两新组织"),
    ),
    _link_table(
        "instructors", "党建指导员", L.INSTRUCTS, ("instructor", "党建指导员"), ("unit", "两新组织")
    ),
    _link_table("places", "所在地", L.LOCATED_IN, ("unit", "两新组织"), ("place", "所在地党组织")),
    _facts_table(),
)

#: What each table holds, for the template's 说明 sheet, the schemas and docs/IMPORT.md.
TABLE_HELP: dict[str, str] = {
    "organizations": "党组织: one version of an organization per row; 上级党组织 (parent) "
    "makes its hierarchy link",
    "working_groups": "全域党建工作组: the city's full-area party-building working groups",
    "members": "党员: one version of a member per row; 所在党组织 (organization) makes "
    "the membership link",
    "experts": "专家人才: high-level talent that leaders contact and serve",
    "units": '"两新"组织: non-public enterprises and social organizations; 所在地党组织 '
    "(place) makes the link to the organization it sits in",
    "cases": "整顿转化案例: remediation cases of weak branches",
    "hierarchy": "隶属关系: organization → parent organization, dated",
    "memberships": "党员组织关系: member → the organization the member belongs to",
    "posts": "任职: member → organization, with the post (书记, 副书记, 委员)",
    "group_coverage": "工作组包联: working group → organization (area) it covers",
    "group_leads": "工作组牵头: leader → working group the leader leads",
    "contacts": "支部联点: leader → organization the leader is the contact of",
    "expert_services": "联系服务专家: leader → expert the leader serves",
    "pairings": "结对共建: strong organization → weak organization it is paired with",
    "establishments": "党组织组建: organization → two-new unit it is set up in (own or joint)",
    "instructors": "党建指导员: member → two-new unit the member instructs",
    "places": "所在地: two-new unit → the territorial organization it sits in (village or "
    "community, else township); its district and township follow the hierarchy at the date",
    "facts": "年度指标: yearly facts of an organization or member, one column per fact",
}

_BY_NAME: dict[str, TableSpec] = {}
for _table in TABLES:
    for _text in (_table.name, _table.label_zh, *_table.aliases):
        _key = normalize(_text)
        if _BY_NAME.get(_key, _table) is not _table:
            raise AssertionError(f"table name {_text!r} names two tables")
        _BY_NAME[_key] = _table


def find_table(name: str) -> TableSpec | None:
    """The table a sheet or file name names: ``党员``, ``members``, ``党员 (members)``."""
    for part in split_bilingual(name):
        found = _BY_NAME.get(normalize(part))
        if found is not None:
            return found
    return None
