"""Reads for the citizen portal's shell and home page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from yiwang.org.models import ServiceHall, UserKind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DEFAULT_COUNTY_NAME = "示范县"


def county_name() -> str:
    """The county this installation serves (setting YIWANG_COUNTY_NAME), else 示范县."""
    return str(getattr(settings, "YIWANG_COUNTY_NAME", "") or DEFAULT_COUNTY_NAME)


def hall_list() -> QuerySet[ServiceHall]:
    """Service halls for the public: the county centre first, then towns, then villages."""
    from yiwang.org.selectors import service_hall_list

    return service_hall_list()


def is_applicant_user(user: object) -> bool:
    """Citizens and enterprises (the portal's own accounts)."""
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "kind", None) in (
        UserKind.CITIZEN,
        UserKind.ENTERPRISE,
    )


def applicant_display_name(user: object) -> str:
    applicant = getattr(user, "applicant", None) if is_applicant_user(user) else None
    if applicant is not None and applicant.name:
        return str(applicant.name)
    return str(user.get_username())  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Theme:
    label: StrOrPromise
    query: str
    glyph: str


# Popular themes: each tile searches the guide for its query. Static until the catalogue
# (事项库) can rank themes by demand.
PERSON_THEMES = (
    Theme(_("生育登记"), "生育登记", "育"),
    Theme(_("户籍办理"), "户籍", "户"),
    Theme(_("社会保障"), "社会保障卡", "社"),
    Theme(_("就业创业"), "就业创业", "业"),
    Theme(_("婚姻登记"), "婚姻登记", "婚"),
    Theme(_("不动产登记"), "不动产登记", "房"),
)
LEGAL_PERSON_THEMES = (
    Theme(_("开办企业"), "开办企业", "企"),
    Theme(_("餐饮经营"), "开饭店", "餐"),
    Theme(_("工程建设"), "工程建设项目审批", "建"),
    Theme(_("税费缴纳"), "税费缴纳", "税"),
    Theme(_("准营许可"), "经营许可", "许"),
    Theme(_("企业注销"), "企业注销", "销"),
)
HOT_QUERIES = ("开饭店", "新生儿出生", "营业执照", "社保卡")
