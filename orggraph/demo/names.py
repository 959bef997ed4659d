"""Synthetic Chinese names: people by gender and ethnicity, enterprises, social organizations.

Every name is drawn from the ``random.Random`` handed in, so a seed gives the same names.
Surnames follow their rough frequency; Hui members favour 马, 韩, 冶, 喇; Tibetan members
carry Tibetan given names without a surname (才让, 卓玛); Tu and Mongol members are named
like their Han neighbours, as many are in Qinghai.
"""

from __future__ import annotations

__all__ = ["ETHNIC_MIX", "enterprise_name", "ethnicity_for", "person_name", "society_name"]

import itertools
import random

_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"
    "魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾韦夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾"
    "龚邵万覃武钱戴严莫孔向常汤康易乔赖文祁鲁井"
)
_HUI_SURNAMES = "马马马韩冶喇马沙铁撒穆白丁海米"
_MALE = "伟强磊军勇杰涛明斌超刚平辉鹏华飞亮建国文林峰东海志永俊宏德学忠成福生荣庆春山祥成"
_FEMALE = "芳娟敏静丽艳霞燕玲红梅兰琳娜婷雪慧秀英萍莉华琴洁君蓉珍凤桂玉晶瑞彩香云"
_TIBETAN_MALE = ("才让", "扎西", "多杰", "索南", "尼玛", "旦增", "更登", "桑杰", "吉太", "仁青")
_TIBETAN_FEMALE = ("卓玛", "拉毛", "措毛", "央金", "德吉", "才吉", "卓嘎", "拉姆", "永吉", "旦措")

#: Ethnic minorities among members, by district kind: (ethnicity, weight).
ETHNIC_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "urban": (("回族", 55), ("藏族", 14), ("土族", 14), ("撒拉族", 8), ("蒙古族", 5), ("满族", 4)),
    "大通": (("回族", 50), ("土族", 38), ("藏族", 8), ("蒙古族", 4)),
    "湟中": (("回族", 32), ("藏族", 36), ("土族", 28), ("蒙古族", 4)),
    "湟源": (("藏族", 45), ("回族", 35), ("土族", 12), ("蒙古族", 8)),
}
_MIX = {
    key: (tuple(e for e, _ in mix), tuple(itertools.accumulate(w for _, w in mix)))
    for key, mix in ETHNIC_MIX.items()
}


def ethnicity_for(rng: random.Random, district_name: str, minority: bool) -> str:
    """汉族, or a minority drawn from the district's mix."""
    if not minority:
        return "汉族"
    key = next((k for k in ("大通", "湟中", "湟源") if district_name.startswith(k)), "urban")
    names, cumulative = _MIX[key]
    return rng.choices(names, cum_weights=cumulative)[0]


def person_name(rng: random.Random, female: bool, ethnicity: str) -> str:
    """A plausible name for a person of that gender and ethnicity."""
    if ethnicity == "藏族":
        return rng.choice(_TIBETAN_FEMALE if female else _TIBETAN_MALE)
    surnames = _HUI_SURNAMES if ethnicity in ("回族", "撒拉族") else _SURNAMES
    given = _FEMALE if female else _MALE
    size = 1 if rng.random() < 0.3 else 2
    return rng.choice(surnames) + "".join(rng.choice(given) for _ in range(size))


_FIRMS = "鑫瑞恒泰华隆盛达兴宏昌源祥顺安康金宁海湖夏都昆仑青源高原江河雪域丝路"
_INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("商贸", "批发和零售业"),
    ("建筑工程", "建筑业"),
    ("科技", "信息传输、软件和信息技术服务业"),
    ("餐饮管理", "住宿和餐饮业"),
    ("物流", "交通运输、仓储和邮政业"),
    ("物业服务", "房地产业"),
    ("生物科技", "制造业"),
    ("新能源", "电力、热力、燃气及水生产和供应业"),
    ("牧业", "农、林、牧、渔业"),
    ("文化传媒", "文化、体育和娱乐业"),
    ("旅游", "租赁和商务服务业"),
    ("医药", "制造业"),
)
_FORMS = ("有限公司", "有限责任公司", "股份有限公司")
_SOCIETY_KINDS: tuple[tuple[str, str], ...] = (
    ("商会", "社会团体"),
    ("行业协会", "社会团体"),
    ("志愿者协会", "社会团体"),
    ("社会工作服务中心", "民办非企业单位"),
    ("养老服务中心", "民办非企业单位"),
    ("培训学校", "民办非企业单位"),
    ("幼儿园", "民办非企业单位"),
    ("基金会", "基金会"),
)


def _distinct(name: str, used: set[str]) -> str:
    """``name``, or ``name`` with a number when it is taken (used only for membership tests)."""
    candidate, number = name, 2
    while candidate in used:
        candidate, number = f"{name}({number})", number + 1
    used.add(candidate)
    return candidate


def enterprise_name(rng: random.Random, place: str, used: set[str]) -> tuple[str, str]:
    """(name, industry) of a non-public enterprise in ``place`` (a district's short name)."""
    short, industry = rng.choice(_INDUSTRIES)
    brand = "".join(rng.sample(_FIRMS, 2))
    prefix = rng.choice(("青海", "西宁", place))
    return _distinct(f"{prefix}{brand}{short}{rng.choice(_FORMS)}", used), industry


def society_name(rng: random.Random, place: str, used: set[str]) -> tuple[str, str]:
    """(name, category) of a social organization in ``place``."""
    kind, category = rng.choice(_SOCIETY_KINDS)
    brand = "".join(rng.sample(_FIRMS, 2))
    return _distinct(f"{place}{brand}{kind}", used), category
