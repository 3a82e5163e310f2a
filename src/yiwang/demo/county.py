"""Facts of the demo county (示范县): regions, departments, halls, windows and sign-ins.

The county code 341199 is fictitious (Anhui province, Chuzhou city prefix). Departments are the
31 bodies of data/service_items.csv plus the bureau and two more county departments.
"""

from __future__ import annotations

import csv
from importlib import resources

PROVINCE = ("340000000000", "安徽省")
CITY = ("341100000000", "滁州市")
COUNTY = ("341199000000", "示范县")
COUNTY_PREFIX = "341199"

# Town name and number of villages/communities (8 towns, 119 in all).
TOWNS: list[tuple[str, int]] = [
    ("城关镇", 18),
    ("东山镇", 16),
    ("西河镇", 15),
    ("南岗乡", 14),
    ("北湖乡", 14),
    ("青石镇", 15),
    ("柳林乡", 13),
    ("石桥镇", 14),
]

# Village names are composed deterministically from these syllables so the seed is stable.
_VILLAGE_FIRST = "大小东西南北前后上中下新老高低长黄白青红金银石柳杨李王张刘陈周吴郑"
_VILLAGE_SECOND = "庄岗湾桥河塘集圩店坊岭山营坝沟冲洼畈湖林"

BUREAU = "县数据资源管理局"
EXTRA_DEPARTMENTS = ["县财政局", "县统计局"]

# Bodies that are enterprises or public-service providers rather than authorities.
PROVIDERS = {
    "县供电公司",
    "县自来水公司",
    "县燃气公司",
    "县广电网络公司",
    "县住房公积金管理中心",
    "县档案馆",
}
ENTERPRISES = {"县供电公司", "县自来水公司", "县燃气公司", "县广电网络公司"}

SHORT_NAMES = {
    BUREAU: "数据资源局",
    "县公安局": "公安局",
    "县市场监督管理局": "市场监管局",
    "县人力资源和社会保障局": "人社局",
    "县民政局": "民政局",
    "县自然资源和规划局": "自然资源局",
    "县卫生健康委员会": "卫健委",
    "县住房和城乡建设局": "住建局",
    "县医疗保障局": "医保局",
    "县农业农村局": "农业农村局",
    "县税务局": "税务局",
    "县城市管理局": "城管局",
    "县住房公积金管理中心": "公积金中心",
    "县交通运输局": "交通运输局",
    "县文化旅游体育局": "文旅体局",
    "县教育局": "教育局",
    "县退役军人事务局": "退役军人局",
    "县生态环境分局": "生态环境分局",
    "县水利局": "水利局",
    "县应急管理局": "应急局",
    "县发展和改革委员会": "发改委",
}

# Dedicated windows (专窗) in the county hall, by department.
DEDICATED_WINDOWS = [
    "县公安局",
    "县自然资源和规划局",
    "县税务局",
    "县人力资源和社会保障局",
    "县医疗保障局",
    "县住房公积金管理中心",
    "县市场监督管理局",
]

# Published demo password (printed by `make demo`); never used outside the demo county.
DEMO_PASSWORD = "Yiwang@2026"  # noqa: S105

# One sign-in per role: (username, full name, department, roles, title).
STAFF_SIGN_INS: list[tuple[str, str, str, list[str], str]] = [
    ("admin", "系统管理员", BUREAU, ["system_admin"], "信息科科长"),
    ("bureau", "周敏", BUREAU, ["bureau_admin"], "政务服务科科长"),
    ("leader", "陈国强", BUREAU, ["leader"], "局长"),
    ("scjg_admin", "吴芳", "县市场监督管理局", ["department_admin"], "办公室主任"),
    ("scjg_clerk", "李娜", "县市场监督管理局", ["window_clerk"], "窗口工作人员"),
    ("scjg_approver", "王磊", "县市场监督管理局", ["approver"], "登记注册科科长"),
    ("ga_clerk", "赵强", "县公安局", ["window_clerk"], "户政窗口工作人员"),
    ("zh_clerk", "刘洋", BUREAU, ["window_clerk"], "综合窗口工作人员"),
    ("grid", "孙丽", "城关镇人民政府", ["grid_worker"], "网格员"),
]

# Citizen and enterprise sign-ins: (kind, name, mobile, id number body (17), uscc body (17)).
CITIZEN_SIGN_INS = [
    ("person", "张三", "13800000001", "34119919900101123", ""),
    (
        "legal_person",
        "示范县禾丰餐饮有限公司",
        "13800000002",
        "34119919850315234",
        "91341199MA2N00017",
    ),
]


def village_names(town_index: int, count: int) -> list[str]:
    names: list[str] = []
    i = town_index * 7
    while len(names) < count:
        a = _VILLAGE_FIRST[i % len(_VILLAGE_FIRST)]
        b = _VILLAGE_SECOND[(i * 3 + town_index) % len(_VILLAGE_SECOND)]
        suffix = "社区" if len(names) < 2 and town_index in (0, 1) else "村"
        name = f"{a}{b}{suffix}"
        if name not in names:
            names.append(name)
        i += 1
    return names


def service_item_bodies() -> list[str]:
    """The 31 bodies named in data/service_items.csv, in order of first appearance."""
    with (
        resources.files("yiwang.demo")
        .joinpath("data/service_items.csv")
        .open(encoding="utf-8") as fh
    ):
        seen: dict[str, None] = {}
        for row in csv.DictReader(fh):
            seen.setdefault(row["department"], None)
    return list(seen)


def county_departments() -> list[str]:
    return [BUREAU, *service_item_bodies(), *EXTRA_DEPARTMENTS]


_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def organisation_code(body8: str) -> str:
    """GB 11714 organisation code: 8 characters + check character."""
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body8 + ("X" if check == 10 else "0" if check == 11 else str(check))


def department_uscc(index: int, name: str) -> str:
    """A well-formed USCC: 11 (authority) / 12 (institution) / 91 (enterprise) + county code +
    organisation code + check character."""
    from yiwang.common.validators import uscc_with_check

    kind = "91" if name in ENTERPRISES else "12" if name in PROVIDERS else "11"
    body = organisation_code(f"{300000 + index * 17:08d}")
    return uscc_with_check(f"{kind}{COUNTY_PREFIX}{body}")
