"""The territorial tree on Xining's real divisions, and the public-sector organizations.

Territorial organizations take their administrative code as id: 西宁市委 ``630100``, the 7
district/county committees, the township committees (乡镇党委) and street working committees
(街道党工委), and one organization per village and community (a branch, or a general branch
or committee with branches under it when large). Villages and communities carry the two
committees' term (``term_ends``), one version per election (换届); a few missed their
last election and are past due at the reference date.

Agencies (机关), public institutions (事业单位), schools, hospitals and state-owned
enterprises are synthetic, placed under the city, district or township committee that
manages them; ``scale`` repeats them. Founding dates are synthetic too.
"""

from __future__ import annotations

__all__ = ["plan_public_sector", "plan_territory"]

from datetime import date

from orggraph.demo.divisions import District, Township, Village, village_base_name
from orggraph.demo.world import REFERENCE_DATE, OrgPlan, World, add_years, days
from orggraph.model import Level, OrgKind, Sector

CITY_FOUNDED = date(1949, 9, 5)  # 西宁解放, the city committee set up
_ORDINALS = "一二三四五六七八九十"

CITY_AGENCIES = (
    "市委办公室", "市人大常委会", "市政府办公室", "市政协", "市纪委监委",
    "市委组织部", "市委宣传部", "市委统战部", "市委政法委", "市委编办", "市直机关工委",
    "市发展和改革委员会", "市教育局", "市科学技术局", "市工业和信息化局", "市公安局",
    "市民政局", "市司法局", "市财政局", "市人力资源和社会保障局", "市自然资源和规划局",
    "市生态环境局", "市住房和城乡建设局", "市交通运输局", "市农业农村局", "市水务局",
    "市商务局", "市文化旅游广电局", "市卫生健康委员会", "市退役军人事务局", "市应急管理局",
    "市审计局", "市市场监督管理局", "市统计局", "市医疗保障局", "市城市管理局",
    "市林业和草原局", "市信访局", "市机关事务管理局", "市总工会", "市妇联", "市残联",
)  # fmt: skip
CITY_INSTITUTIONS = (
    "市委党校", "市图书馆", "市博物馆", "市档案馆", "市疾病预防控制中心", "市广播电视台",
    "市公共资源交易中心", "市住房公积金管理中心", "市社会福利院", "市园林绿化中心",
)  # fmt: skip
CITY_SCHOOLS = (
    *(f"市第{n}中学" for n in ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
                               "十一", "十二", "十三", "十四")),
    "市职业技术学校", "市体育运动学校", "市特殊教育学校", "市海湖中学",
)  # fmt: skip
CITY_HOSPITALS = ("市第一人民医院", "市第二人民医院", "市第三人民医院", "市中医院", "市妇幼保健院")
CITY_SOES = (
    "西宁城市投资管理有限公司", "西宁市公共交通集团有限责任公司", "西宁市水务集团有限公司",
    "西宁市国有资本投资运营有限公司", "西宁市金融控股集团有限公司", "西宁市信用担保集团有限公司",
    "西宁市城市建设开发有限公司", "西宁市供热有限公司",
)  # fmt: skip
DISTRICT_AGENCIES = (
    "区委办公室", "区人大常委会", "区政府办公室", "区政协", "区纪委监委",
    "区委组织部", "区委宣传部", "区委统战部", "区委政法委", "区发展和改革局", "区教育局",
    "区民政局", "区财政局", "区人力资源和社会保障局", "区住房和城乡建设局", "区农业农村局",
    "区卫生健康局", "区市场监督管理局", "区应急管理局", "区审计局", "区统计局",
    "区退役军人事务局", "区城市管理局", "区公安分局",
)  # fmt: skip
DISTRICT_INSTITUTIONS = ("党校", "图书馆", "文化馆", "档案馆", "疾病预防控制中心", "融媒体中心")
DISTRICT_SOES = ("城市建设投资有限公司", "国有资产经营有限公司", "水务有限公司")


def _weight(world: World, median: float, sigma: float) -> float:
    return median * world.rng.lognormvariate(0.0, sigma)


def _grassroots(
    world: World,
    *,
    oid: str,
    name: str,
    sector: Sector,
    start: date,
    parent: str,
    district: str | None,
    township: str | None,
    tag: str,
    weight: float,
    code: str | None = None,
    branch_names: tuple[str, ...] = (),
) -> OrgPlan:
    """A grassroots organization: a branch, or a general branch/committee over branches.

    From 40 expected members it is a general branch (党总支) over 2–4 branches; from 100,
    a committee (党委) over 3–5. The branches share its members; it holds none directly.
    """
    kind = OrgKind.BRANCH
    children = 0
    if weight >= 100:
        kind, children = OrgKind.COMMITTEE, world.rng.randint(3, 5)
    elif weight >= 40:
        kind, children = OrgKind.GENERAL_BRANCH, world.rng.randint(2, 4)
    suffix = {OrgKind.BRANCH: "党支部", OrgKind.GENERAL_BRANCH: "党总支", OrgKind.COMMITTEE: "党委"}
    plan = world.add_org(
        OrgPlan(
            id=oid,
            name=name + suffix[kind],
            org_kind=kind,
            level=Level.GRASSROOTS,
            sector=sector,
            start=start,
            parent=parent,
            district=district,
            township=township,
            tag=tag,
            code=code,
            weight=0.0 if children else weight,
        )
    )
    for i in range(children):
        label = branch_names[i] if i < len(branch_names) else f"第{_ORDINALS[i]}党支部"
        world.add_org(
            OrgPlan(
                id=world.new_id("o", 6),
                name=name + label,
                org_kind=OrgKind.BRANCH,
                level=Level.GRASSROOTS,
                sector=sector,
                start=start,
                parent=oid,
                district=district,
                township=township,
                tag="sub",
                weight=weight / children,
            )
        )
    return plan


def plan_territory(world: World) -> None:
    """The city, district, township and village/community organizations (real codes)."""
    div = world.divisions
    world.add_org(
        OrgPlan(
            id=div.city_code,
            name=f"{div.city_name}委",
            org_kind=OrgKind.COMMITTEE,
            level=Level.CITY,
            sector=None,
            start=CITY_FOUNDED,
            parent=None,
            district=None,
            township=None,
            tag="city",
            code=div.city_code,
        )
    )
    for district in div.districts:
        start = world.day(date(1949, 10, 1), date(1951, 12, 31))
        world.add_org(
            OrgPlan(
                id=district.code,
                name=district.committee_name,
                org_kind=OrgKind.COMMITTEE,
                level=Level.COUNTY,
                sector=None,
                start=start,
                parent=div.city_code,
                district=district.code,
                township=None,
                tag="district",
                code=district.code,
            )
        )
        for township in district.townships:
            _plan_township(world, district, township, start)


def _plan_township(world: World, district: District, township: Township, after: date) -> None:
    if township.is_park:
        start = world.day(date(2000, 1, 1), date(2010, 12, 31))
    elif township.is_street:
        start = world.day(add_years(after, 5), date(1990, 12, 31))
    else:
        start = world.day(after + days(30), date(1962, 12, 31))
    world.add_org(
        OrgPlan(
            id=township.code,
            name=township.committee_name,
            org_kind=OrgKind.WORKING_COMMITTEE if township.is_street else OrgKind.COMMITTEE,
            level=Level.TOWNSHIP,
            sector=None,
            start=start,
            parent=district.code,
            district=district.code,
            township=township.code,
            tag="township",
            code=township.code,
        )
    )
    # One election calendar per township (换届); a few villages missed the last one.
    first = world.day(date(2011, 3, 1), date(2011, 5, 31))
    for village in township.villages:
        _plan_village(world, district, township, village, start, first)


def _plan_village(
    world: World, district: District, township: Township, village: Village, after: date, first: date
) -> None:
    rng = world.rng
    sector = village.sector
    if "虚拟社区" in village.name:
        start = world.day(max(after + days(30), date(2012, 1, 1)), date(2016, 12, 31))
        weight = _weight(world, 12, 0.3)
    elif sector is Sector.COMMUNITY:
        start = world.day(max(after + days(30), date(1985, 1, 1)), date(2012, 12, 31))
        weight = _weight(world, 40, 0.5)
    else:
        start = world.day(max(after + days(30), date(1950, 6, 1)), date(1966, 12, 31))
        weight = _weight(world, 26, 0.45)
    base = village_base_name(village)
    branch_names = (
        ("第一党支部", "第二党支部", "离退休党支部", "流动党员党支部")
        if sector is Sector.COMMUNITY
        else ()
    )
    plan = _grassroots(
        world,
        oid=village.code,
        name=base,
        sector=sector,
        start=start,
        parent=township.code,
        district=district.code,
        township=township.code,
        tag="community" if sector is Sector.COMMUNITY else "village",
        weight=weight,
        code=village.code,
        branch_names=branch_names,
    )
    # Elections every three years; 5% run a cycle a year early and, not having held the
    # 2019 election by the reference date, are past due (换届到期未换).
    if rng.random() < 0.05:
        first = add_years(first, -1) + days(rng.randint(0, 40))
    elections = [add_years(first, k) for k in (0, 3, 6)]
    elections = [e for e in elections if plan.start < e <= REFERENCE_DATE]
    ends = [add_years(e, 3) for e in elections]
    plan.extra = {"term_ends": elections[0] if elections else add_years(plan.start, 3)}
    plan.changes = [(e, {"term_ends": end}) for e, end in zip(elections, ends, strict=True)]
    plan.terms = list(zip(elections, ends, strict=True))


def plan_public_sector(world: World) -> None:
    """Agencies, institutions, schools, hospitals and state enterprises, ``scale`` times."""
    div = world.divisions
    for copy in range(world.scale):
        tag = "" if copy == 0 else f"({copy + 1})"
        _plan_city_public(world, div.city_code, div.city_name, tag)
        for district in div.districts:
            _plan_district_public(world, district, tag)
            for township in district.townships:
                _plan_township_public(world, district, township, tag)


def _add(
    world: World,
    name: str,
    sector: Sector,
    tag: str,
    parent: OrgPlan,
    start: date,
    weight: float,
    branch_names: tuple[str, ...] = (),
) -> OrgPlan:
    return _grassroots(
        world,
        oid=world.new_id("o", 6),
        name=name,
        sector=sector,
        start=max(start, parent.start + days(1)),
        parent=parent.id,
        district=parent.district,
        township=parent.township,
        tag=tag,
        weight=weight,
        branch_names=branch_names,
    )


_HOSPITAL_BRANCHES = ("内科党支部", "外科党支部", "医技党支部", "行政后勤党支部", "离退休党支部")
_SOE_BRANCHES = ("机关党支部", "生产运营党支部", "项目建设党支部", "离退休党支部", "第五党支部")


def _plan_city_public(world: World, city_code: str, city_name: str, tag: str) -> None:
    city = world.orgs[city_code]
    prefix = city_name[:-1]  # 西宁
    for i, dept in enumerate(CITY_AGENCIES):
        start = date(1950, 1, 1) if i == 0 else world.day(date(1950, 1, 1), date(1990, 12, 31))
        plan = _add(
            world, f"{prefix}{dept}{tag}机关", Sector.AGENCY, "agency", city, start,
            _weight(world, 26, 0.4) if i else 40.0,
        )  # fmt: skip
        if i == 0 and not tag:
            world.fallback[city_code] = plan.id
    for dept in CITY_INSTITUTIONS:
        start = world.day(date(1952, 1, 1), date(2005, 12, 31))
        _add(world, f"{prefix}{dept}{tag}", Sector.INSTITUTION, "institution", city, start,
             _weight(world, 30, 0.4))  # fmt: skip
    for school in CITY_SCHOOLS:
        start = world.day(date(1950, 1, 1), date(2005, 12, 31))
        _add(world, f"{prefix}{school}{tag}", Sector.INSTITUTION, "school", city, start,
             _weight(world, 40, 0.35))  # fmt: skip
    for hospital in CITY_HOSPITALS:
        start = world.day(date(1950, 1, 1), date(1990, 12, 31))
        _add(world, f"{prefix}{hospital}{tag}", Sector.INSTITUTION, "hospital", city, start,
             _weight(world, 150, 0.3), _HOSPITAL_BRANCHES)  # fmt: skip
    for soe in CITY_SOES:
        start = world.day(date(1990, 1, 1), date(2012, 12, 31))
        _add(world, f"{soe}{tag}", Sector.STATE_ENTERPRISE, "soe", city, start,
             _weight(world, 130, 0.3), _SOE_BRANCHES)  # fmt: skip


def _plan_district_public(world: World, district: District, tag: str) -> None:
    parent = world.orgs[district.code]
    name = district.short
    for i, dept in enumerate(DISTRICT_AGENCIES):
        # The committee's own office is as old as the committee: members with nowhere
        # else to be recorded (before their organization existed) belong there.
        start = parent.start if i == 0 else world.day(parent.start, date(1995, 12, 31))
        plan = _add(world, f"{name}{dept[1:]}{tag}机关", Sector.AGENCY, "agency", parent, start,
                    _weight(world, 22, 0.4))  # fmt: skip
        if i == 0 and not tag:
            world.fallback[district.code] = plan.id
    for dept in DISTRICT_INSTITUTIONS:
        start = world.day(parent.start, date(2010, 12, 31))
        _add(world, f"{name}{dept}{tag}", Sector.INSTITUTION, "institution", parent, start,
             _weight(world, 18, 0.4))  # fmt: skip
    schools = 14 if district.urban else 10
    for n in range(schools):
        kind = "小学" if n % 3 else "中学"
        start = world.day(parent.start, date(2010, 12, 31))
        _add(world, f"{name}第{n + 1}{kind}{tag}", Sector.INSTITUTION, "school", parent, start,
             _weight(world, 28, 0.35))  # fmt: skip
    for n in range(6 if district.urban else 4):
        start = world.day(max(parent.start, date(1980, 1, 1)), date(2015, 12, 31))
        _add(world, f"{name}第{n + 1}幼儿园{tag}", Sector.INSTITUTION, "school", parent, start,
             _weight(world, 10, 0.3))  # fmt: skip
    hospitals = (
        ("人民医院", "中医院", "妇幼保健计划生育服务中心") if not district.urban else ("人民医院",)
    )
    for hospital in hospitals:
        start = world.day(parent.start, date(1995, 12, 31))
        _add(world, f"{name}{hospital}{tag}", Sector.INSTITUTION, "hospital", parent, start,
             _weight(world, 70, 0.3), _HOSPITAL_BRANCHES)  # fmt: skip
    for soe in DISTRICT_SOES:
        start = world.day(date(1995, 1, 1), date(2014, 12, 31))
        _add(world, f"{name}{soe}{tag}", Sector.STATE_ENTERPRISE, "soe", parent, start,
             _weight(world, 35, 0.35))  # fmt: skip


def _plan_township_public(world: World, district: District, township: Township, tag: str) -> None:
    parent = world.orgs[township.code]
    plan = _add(world, f"{township.name}{tag}机关", Sector.AGENCY, "agency", parent,
                parent.start + days(1), _weight(world, 22, 0.3))  # fmt: skip
    if not tag:
        world.fallback[township.code] = plan.id
    if township.is_park:
        return
    if township.is_street:
        if world.rng.random() < 0.5:
            start = world.day(max(parent.start, date(1995, 1, 1)), date(2012, 12, 31))
            _add(world, f"{township.name}社区卫生服务中心{tag}", Sector.INSTITUTION, "hospital",
                 parent, start, _weight(world, 10, 0.3))  # fmt: skip
        return
    start = world.day(parent.start, date(1995, 12, 31))
    _add(world, f"{township.name}中心学校{tag}", Sector.INSTITUTION, "school", parent, start,
         _weight(world, 24, 0.35))  # fmt: skip
    if township.name.endswith("镇"):
        start = world.day(parent.start, date(2000, 12, 31))
        _add(world, f"{township.name}中学{tag}", Sector.INSTITUTION, "school", parent, start,
             _weight(world, 20, 0.35))  # fmt: skip
    start = world.day(parent.start, date(1995, 12, 31))
    _add(world, f"{township.name}卫生院{tag}", Sector.INSTITUTION, "hospital", parent, start,
         _weight(world, 10, 0.3))  # fmt: skip
    start = world.day(max(parent.start, date(1990, 1, 1)), date(2016, 12, 31))
    _add(world, f"{township.name}中心幼儿园{tag}", Sector.INSTITUTION, "school", parent, start,
         _weight(world, 6, 0.3))  # fmt: skip
