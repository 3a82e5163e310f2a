"""The simulated county's people: applicants (persons and companies, some with a sign-in for
applying online) and the staff who take in and decide the cases (a clerk at each 综合窗口 of the
county hall, one handler per department with items). Looked up by natural keys (phone number,
username) and created through org.services only when missing, so a second run finds them."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
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


class _Handlers(dict[int, User]):
    """Department id → its handler, made (or found) when the department's first case or ticket
    needs him: a small run touches a few departments, and a staff account costs more than a
    case. His name follows the department's rank, not the order of first use."""

    def __init__(self, departments: dict[int, tuple[int, Department]]) -> None:
        super().__init__()
        self._departments = departments

    def __missing__(self, department_id: int) -> User:
        rank, dept = self._departments[department_id]
        with _one_password_hash():
            user = _staff(f"sim-{dept.uscc[-6:].lower()}", person_name(700 + rank), dept, None)
        self[department_id] = user
        return user


@functools.cache
def _demo_hash(hashers: tuple[str, ...]) -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(c.DEMO_PASSWORD)


@contextmanager
def _one_password_hash() -> Iterator[None]:
    """Every simulated account has the demo password: hash it once (one salt) instead of once per
    account. A full-strength hash takes ~0.2 s and the 118 accounts took 25 of the first run's
    seconds; the demo password is public, so a shared salt gives nothing away. The services still
    validate and set the password as for any account."""
    from django.conf import settings
    from django.contrib.auth import base_user

    real = base_user.make_password  # type: ignore[attr-defined]
    encoded = _demo_hash(tuple(settings.PASSWORD_HASHERS))

    def once(raw: str | None, *args: Any, **kwargs: Any) -> str:
        return (
            encoded
            if raw == c.DEMO_PASSWORD and not args and not kwargs
            else real(raw, *args, **kwargs)
        )

    base_user.make_password = once  # type: ignore[attr-defined]
    try:
        yield
    finally:
        base_user.make_password = real  # type: ignore[attr-defined]


def population(department_ids: list[int], *, scale: int = 2000) -> Population:
    """The simulated people, made on the first run. `department_ids`: those whose items are
    applied for (each gets a handler). A small run (`scale` cases, under 2,000) gets a share of
    the people (at least a tenth): making one costs more than a case. Who has a sign-in depends
    on the index only, so a later, larger run finds the same people and adds the rest."""
    with _one_password_hash():
        return _population(department_ids, min(1.0, max(0.1, scale / 2000)))


def _indices(start: int, size: int, share: float) -> range:
    return range(start, start + max(1, round(size * share)))


def _population(department_ids: list[int], share: float) -> Population:
    persons_online = [_person(i, account=True) for i in _indices(0, PERSONS_ONLINE, share)]
    persons = persons_online + [
        _person(i, account=False) for i in _indices(PERSONS_ONLINE, PERSONS_WALK_IN, share)
    ]
    companies_online = [_company(i, account=True) for i in _indices(0, COMPANIES_ONLINE, share)]
    companies = companies_online + [
        _company(i, account=False) for i in _indices(COMPANIES_ONLINE, COMPANIES_WALK_IN, share)
    ]
    bureau = Department.objects.get(name=c.BUREAU)
    hall = ServiceHall.objects.get(name="示范县政务服务中心")
    windows = list(
        Window.objects.filter(hall=hall, kind=WindowKind.COMPREHENSIVE).order_by("number")
    )
    clerks = [
        _staff(f"sim-zh{w.number}", person_name(900 + k), bureau, w) for k, w in enumerate(windows)
    ]
    departments = list(Department.objects.filter(pk__in=department_ids).order_by("uscc"))
    handlers = _Handlers({d.pk: (rank, d) for rank, d in enumerate(departments)})
    for applicant in persons + companies:
        if applicant.user_id is not None:
            applicant.user  # noqa: B018 (load once: every online action is his)
    return Population(
        online_persons=persons_online,
        walk_in_persons=persons,
        online_companies=companies_online,
        walk_in_companies=companies,
        desk_clerks=clerks,
        handlers=handlers,
    )
