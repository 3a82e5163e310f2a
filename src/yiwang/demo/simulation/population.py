"""The simulated county's people: applicants (persons and companies, some with a sign-in for
applying online) and the staff who take in and decide the cases (a clerk at each 综合窗口 of the
county hall, one handler per department with items). Looked up by natural keys (phone number,
username) and created through org.services only when missing, so a second run finds them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yiwang.common.personal import personal_hash
from yiwang.common.validators import id_number_with_check, uscc_with_check
from yiwang.demo import county as c
from yiwang.org import services as org_services
from yiwang.org.models import Applicant, Department, ServiceHall, User, Window, WindowKind

# Sizes of the population: fixed, not scaled with the cases (accounts cost a password hash each).
PERSONS_ONLINE = 60
PERSONS_WALK_IN = 240
COMPANIES_ONLINE = 20
COMPANIES_WALK_IN = 20

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌海波"
_TRADES = [
    "餐饮",
    "商贸",
    "建材",
    "农业科技",
    "物流",
    "家政服务",
    "食品",
    "文化传媒",
    "药房",
    "汽修",
]


def person_phone(i: int) -> str:
    return f"1990000{i:04d}"


def company_phone(i: int) -> str:
    return f"1991000{i:04d}"


def person_name(i: int) -> str:
    return (
        _SURNAMES[i % len(_SURNAMES)]
        + _GIVEN[(i * 7) % len(_GIVEN)]
        + (_GIVEN[(i * 11 + 3) % len(_GIVEN)] if i % 3 else "")
    )


def _id_number(i: int) -> str:
    year = 1950 + i % 50
    month = 1 + i % 12
    day = 1 + i % 28
    return id_number_with_check(f"{c.COUNTY_PREFIX}{year:04d}{month:02d}{day:02d}{i % 1000:03d}")


def sim_phone_hashes() -> list[str]:
    """The phone hashes of every simulated applicant: how their records are found again."""
    phones = [person_phone(i) for i in range(PERSONS_ONLINE + PERSONS_WALK_IN)]
    phones += [company_phone(i) for i in range(COMPANIES_ONLINE + COMPANIES_WALK_IN)]
    return [personal_hash("phone", p) for p in phones]


@dataclass
class Population:
    online_persons: list[Applicant]
    walk_in_persons: list[Applicant]
    online_companies: list[Applicant]
    walk_in_companies: list[Applicant]
    desk_clerks: list[User]  # at the county hall's 综合窗口
    handlers: dict[int, User]  # department id → its clerk-and-approver


def _applicant(phone: str, make: dict[str, Any], password: str | None) -> Applicant:
    found = Applicant.objects.filter(phone_hash=personal_hash("phone", phone)).first()
    if found is not None:
        return found
    return org_services.applicant_register(phone=phone, password=password, **make)


def _person(i: int, *, account: bool) -> Applicant:
    return _applicant(
        person_phone(i),
        {"kind": "person", "name": person_name(i), "id_number": _id_number(i)},
        c.DEMO_PASSWORD if account else None,
    )


def _company(i: int, *, account: bool) -> Applicant:
    trade = _TRADES[i % len(_TRADES)]
    town = c.TOWNS[i % len(c.TOWNS)][0]
    return _applicant(
        company_phone(i),
        {
            "kind": "legal_person",
            "name": f"示范县{town}{person_name(500 + i)[:2]}{trade}有限公司",
            "uscc": uscc_with_check(f"91{c.COUNTY_PREFIX}MB{i:06d}0"),
            "legal_representative": person_name(500 + i),
            "legal_representative_id_number": _id_number(500 + i),
        },
        c.DEMO_PASSWORD if account else None,
    )


def _staff(username: str, full_name: str, department: Department, window: Window | None) -> User:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    roles = ["window_clerk"] if window is not None else ["window_clerk", "approver"]
    staff = org_services.staff_create(
        username=username,
        full_name=full_name,
        department=department,
        roles=roles,
        password=c.DEMO_PASSWORD,
        must_change_password=False,
        title="窗口工作人员" if window is not None else "审批人员",
        window=window,
    )
    return staff.user


def population(department_ids: list[int]) -> Population:
    """The simulated people, made on the first run. `department_ids`: those whose items are
    applied for (each gets a handler)."""
    persons = [
        _person(i, account=i < PERSONS_ONLINE) for i in range(PERSONS_ONLINE + PERSONS_WALK_IN)
    ]
    companies = [
        _company(i, account=i < COMPANIES_ONLINE)
        for i in range(COMPANIES_ONLINE + COMPANIES_WALK_IN)
    ]
    bureau = Department.objects.get(name=c.BUREAU)
    hall = ServiceHall.objects.get(name="示范县政务服务中心")
    windows = list(
        Window.objects.filter(hall=hall, kind=WindowKind.COMPREHENSIVE).order_by("number")
    )
    clerks = [
        _staff(f"sim-zh{w.number}", person_name(900 + k), bureau, w) for k, w in enumerate(windows)
    ]
    handlers: dict[int, User] = {}
    for dept in Department.objects.filter(pk__in=department_ids).order_by("uscc"):
        handlers[dept.pk] = _staff(
            f"sim-{dept.uscc[-6:].lower()}", person_name(700 + len(handlers)), dept, None
        )
    for applicant in persons + companies:
        if applicant.user_id is not None:
            applicant.user  # noqa: B018 (load once: every online action is his)
    return Population(
        online_persons=persons[:PERSONS_ONLINE],
        walk_in_persons=persons,
        online_companies=companies[:COMPANIES_ONLINE],
        walk_in_companies=companies,
        desk_clerks=clerks,
        handlers=handlers,
    )
