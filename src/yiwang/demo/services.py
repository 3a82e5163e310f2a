"""Seeding of the demo county. Idempotent: every record is looked up by its natural key and
created (through the owning app's services, so it is validated and audited) only if missing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from yiwang.common.validators import id_number_with_check, uscc_with_check
from yiwang.org import services as org_services
from yiwang.org.models import (
    Applicant,
    Department,
    DepartmentKind,
    HallLevel,
    Region,
    RegionLevel,
    ServiceHall,
    Staff,
    User,
    Window,
    WindowKind,
)

from . import county as c
from .appeals import seed_appeals
from .bundle_cases import seed_bundle_cases
from .cases import seed_cases
from .catalog import CATALOG_STEPS, seed_catalog
from .evaluations import seed_ratings
from .hall import seed_hall
from .licenses import seed_licenses
from .open311 import seed_open311
from .rectification import seed_rectifications
from .responsibilities import seed_responsibilities
from .windows import seed_front_desk


@dataclass
class SeedReport:
    """What a seeding run created (all zero on a second run)."""

    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    @property
    def total(self) -> int:
        return sum(self.created.values())


Progress = Callable[[int], None]


def _region(code: str, name: str, level: int, parent: Region | None, report: SeedReport) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        region = org_services.region_create(code=code, name=name, level=level, parent=parent)
        report.add("区划")
    return region


def seed_regions(report: SeedReport, progress: Progress) -> dict[str, Region]:
    province = _region(*c.PROVINCE, RegionLevel.PROVINCE, None, report)
    city = _region(*c.CITY, RegionLevel.CITY, province, report)
    county = _region(*c.COUNTY, RegionLevel.COUNTY, city, report)
    towns: dict[str, Region] = {"county": county}
    for t, (town_name, villages) in enumerate(c.TOWNS):
        town_code = f"{c.COUNTY_PREFIX}{100 + t:03d}000"
        town = _region(town_code, town_name, RegionLevel.TOWN, county, report)
        towns[town_name] = town
        for v, village_name in enumerate(c.village_names(t, villages)):
            _region(
                f"{town_code[:9]}{200 + v:03d}", village_name, RegionLevel.VILLAGE, town, report
            )
        progress(1)
    return towns


def seed_departments(regions: dict[str, Region], report: SeedReport) -> dict[str, Department]:
    departments: dict[str, Department] = {}
    county = regions["county"]
    for index, name in enumerate(c.county_departments()):
        dept = Department.objects.filter(name=name).first()
        if dept is None:
            dept = org_services.department_create(
                name=name,
                short_name=c.SHORT_NAMES.get(name, name.removeprefix("县")),
                uscc=c.department_uscc(index, name),
                kind=DepartmentKind.PROVIDER if name in c.PROVIDERS else DepartmentKind.AUTHORITY,
                region=county,
                is_bureau=name == c.BUREAU,
            )
            report.add("部门")
        departments[name] = dept
    # Town governments (乡镇人民政府) act for their towns (grid work, town-level items).
    for t, (town_name, _) in enumerate(c.TOWNS):
        name = f"{town_name}人民政府"
        dept = Department.objects.filter(name=name).first()
        if dept is None:
            dept = org_services.department_create(
                name=name,
                short_name=town_name,
                uscc=c.department_uscc(100 + t, name),
                kind=DepartmentKind.AUTHORITY,
                region=regions[town_name],
            )
            report.add("部门")
        departments[name] = dept
    return departments


def _hall(
    name: str,
    level: str,
    region: Region,
    report: SeedReport,
    *,
    address: str = "",
    opening_hours: str = "",
    phone: str = "",
) -> ServiceHall:
    hall = ServiceHall.objects.filter(name=name).first()
    if hall is None:
        hall = org_services.service_hall_create(
            name=name,
            level=level,
            region=region,
            address=address,
            opening_hours=opening_hours,
            phone=phone,
        )
        report.add("大厅")
    return hall


def _window(
    hall: ServiceHall,
    number: str,
    name: str,
    kind: str,
    report: SeedReport,
    department: Department | None = None,
) -> Window:
    window = Window.objects.filter(hall=hall, number=number).first()
    if window is None:
        window = org_services.window_create(
            hall=hall, number=number, name=name, kind=kind, department=department
        )
        report.add("窗口")
    return window


def seed_halls(
    regions: dict[str, Region], departments: dict[str, Department], report: SeedReport
) -> dict[str, Window]:
    hours = "周一至周五 8:30-12:00，14:30-17:30（法定节假日除外）；周六上午延时服务"
    county_hall = _hall(
        "示范县政务服务中心",
        HallLevel.COUNTY,
        regions["county"],
        report,
        address="示范县城关镇人民路 88 号",
        opening_hours=hours,
        phone="0550-12345",
    )
    windows: dict[str, Window] = {}
    number = 1
    for i in range(1, 7):
        windows[f"综合{i}"] = _window(
            county_hall, f"{number:02d}", f"综合受理窗口{i}", WindowKind.COMPREHENSIVE, report
        )
        number += 1
    for dept_name in c.DEDICATED_WINDOWS:
        dept = departments[dept_name]
        windows[dept_name] = _window(
            county_hall,
            f"{number:02d}",
            f"{dept.short_name}专窗",
            WindowKind.DEDICATED,
            report,
            dept,
        )
        number += 1
    windows["涉企"] = _window(
        county_hall,
        f"{number:02d}",
        "涉企服务窗口",
        WindowKind.ENTERPRISE,
        report,
        departments[c.BUREAU],
    )
    windows["办不成事"] = _window(
        county_hall,
        f"{number + 1:02d}",
        "办不成事反映窗口",
        WindowKind.CANT_GET_DONE,
        report,
        departments[c.BUREAU],
    )
    for town_name, _ in c.TOWNS:
        hall = _hall(
            f"{town_name}便民服务中心",
            HallLevel.TOWN,
            regions[town_name],
            report,
            address=f"示范县{town_name}政府大院",
            opening_hours=hours,
        )
        for i in (1, 2):
            _window(hall, f"{i:02d}", f"综合受理窗口{i}", WindowKind.COMPREHENSIVE, report)
    return windows


def seed_sign_ins(
    departments: dict[str, Department], windows: dict[str, Window], report: SeedReport
) -> None:
    for username, full_name, dept_name, roles, title in c.STAFF_SIGN_INS:
        if User.objects.filter(username=username).exists():
            continue
        window = windows.get(dept_name) if "window_clerk" in roles else None
        staff = org_services.staff_create(
            username=username,
            full_name=full_name,
            department=departments[dept_name],
            roles=roles,
            password=c.DEMO_PASSWORD,
            title=title,
            window=window,
            # Demo accounts are ready to use; real accounts must change their first password.
            must_change_password=False,
        )
        if "system_admin" in roles:
            User.objects.filter(pk=staff.user_id).update(is_superuser=True, is_staff=True)
        report.add("工作人员")
    for kind, name, mobile, id_body, uscc_body in c.CITIZEN_SIGN_INS:
        id_number = id_number_with_check(id_body)
        if Applicant.objects.filter(phone_hash=_phone_hash(mobile)).exists():
            continue
        org_services.applicant_register(
            kind=kind,
            name=name,
            phone=mobile,
            id_number=id_number if kind == "person" else "",
            uscc=uscc_with_check(uscc_body) if uscc_body else "",
            legal_representative="刘禾" if kind == "legal_person" else "",
            legal_representative_id_number=id_number if kind == "legal_person" else "",
            password=c.DEMO_PASSWORD,
        )
        report.add("申请人")


def _phone_hash(mobile: str) -> str:
    from yiwang.common.personal import personal_hash

    return personal_hash("phone", mobile)


def seed_demo_county(progress: Progress | None = None) -> SeedReport:
    """Seed 示范县. Safe to run any number of times; returns what this run created."""
    report = SeedReport()
    tick = progress or (lambda n: None)
    with transaction.atomic():
        regions = seed_regions(report, tick)
        departments = seed_departments(regions, report)
        tick(1)
        windows = seed_halls(regions, departments, report)
        tick(1)
        seed_sign_ins(departments, windows, report)
        tick(1)
        for what, n in seed_catalog(tick).items():
            if n:
                report.add(what, n)
        for what, n in seed_cases().items():
            report.add(what, n)
        for what, n in seed_bundle_cases().items():
            report.add(what, n)
        for what, n in seed_front_desk().items():
            report.add(what, n)
        for what, n in seed_hall().items():
            report.add(what, n)
        # The 职责清单 before the tickets: dispatch help routes the demo tickets by them.
        for what, n in seed_responsibilities().items():
            report.add(what, n)
        for what, n in seed_open311().items():
            report.add(what, n)
        for what, n in seed_appeals().items():
            report.add(what, n)
        for what, n in seed_ratings().items():
            report.add(what, n)
        # After the ratings: bad ratings of unrated cases and their tasks in each state.
        for what, n in seed_rectifications().items():
            report.add(what, n)
        for what, n in seed_licenses().items():
            report.add(what, n)
    return report


SEED_STEPS = len(c.TOWNS) + 3 + CATALOG_STEPS


def sign_in_lines() -> list[str]:
    """The demo sign-ins, as printed by `yiwang demo` and `make demo`."""
    lines = [f"工作人员登录 http://127.0.0.1:8000/accounts/sign-in/ （密码均为 {c.DEMO_PASSWORD}）"]
    role_names = {
        s.user.username: "、".join(s.role_labels)
        for s in Staff.objects.select_related("user", "department")
    }
    for username, full_name, dept_name, _, _ in c.STAFF_SIGN_INS:
        lines.append(f"  {username:<14} {full_name}（{dept_name}，{role_names.get(username, '')}）")
    lines.append(
        "个人/企业登录 http://127.0.0.1:8000/accounts/citizen/sign-in/ （手机号码 + 密码 "
        f"{c.DEMO_PASSWORD}）"
    )
    for kind, name, mobile, _, _ in c.CITIZEN_SIGN_INS:
        lines.append(f"  {mobile}    {name}（{'个人' if kind == 'person' else '企业'}）")
    return lines
