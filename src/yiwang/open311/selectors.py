"""Reads of the Open311 interface: the services (ticket kinds and departments) and the
service requests (tickets that came in through Open311 — the public face of the interface:
tickets of the other channels, the hotline's above all, are never read here).

Service codes: a ticket kind's value (`consult`, `help`, `complaint`, `report`,
`suggestion`, `praise`), or `dept-<id>` for a department (the request goes to the bureau's
dispatch desk naming that department). See docs/api.md, "Open311 GeoReport v2"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from yiwang.appeals.fields import FINAL_STATUSES, TicketKind, TicketSource
from yiwang.appeals.models import Responsibility, Ticket
from yiwang.org.models import Department

DEPARTMENT_PREFIX = "dept-"
# The spec's response volume: at most 1000 requests, over at most 90 days.
MAX_REQUESTS = 1000
MAX_SPAN = dt.timedelta(days=90)

KIND_DESCRIPTIONS = {
    TicketKind.CONSULT: "咨询政策、办事流程等问题，一般 3 个工作日内答复。",
    TicketKind.HELP: "生活、生产中遇到困难需要政府部门帮助解决。",
    TicketKind.COMPLAINT: "对政府部门、公共服务单位或经营者的行为提出投诉。",
    TicketKind.REPORT: "举报违法违规行为。",
    TicketKind.SUGGESTION: "对政府工作和公共服务提出意见建议。",
    TicketKind.PRAISE: "表扬政府部门、公共服务单位的工作人员。",
}
KIND_GROUP = "诉求类别"
DEPARTMENT_GROUP = "承办部门"
# Keywords of a department's service: the titles of its first responsibility entries.
DEPARTMENT_KEYWORDS = 8


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    description: str
    order: int
    values: tuple[tuple[str, str], ...] = ()
    datatype_description: str = ""


@dataclass(frozen=True)
class ServiceType:
    """One Open311 service: a ticket kind (the request takes it), or a department (the
    request names it and states its kind in the `kind` attribute)."""

    code: str
    name: str
    description: str
    group: str
    keywords: str = ""
    kind: str = ""
    department: Department | None = None
    attributes: tuple[Attribute, ...] = field(default=())


TITLE_ATTRIBUTE = Attribute(
    code="title",
    datatype="string",
    required=False,
    description="诉求标题（不填则取诉求内容的开头）",
    order=2,
    datatype_description="不超过 200 字",
)
KIND_ATTRIBUTE = Attribute(
    code="kind",
    datatype="singlevaluelist",
    required=True,
    description="诉求类别",
    order=1,
    values=tuple((kind.value, str(kind.label)) for kind in TicketKind),
)


def _kind_service(kind: TicketKind) -> ServiceType:
    return ServiceType(
        code=kind.value,
        name=str(kind.label),
        description=KIND_DESCRIPTIONS[kind],
        group=KIND_GROUP,
        keywords=str(kind.label),
        kind=kind.value,
        attributes=(TITLE_ATTRIBUTE,),
    )


def _department_service(department: Department) -> ServiceType:
    titles = [r.title for r in getattr(department, "open311_duties", [])][:DEPARTMENT_KEYWORDS]
    return ServiceType(
        code=f"{DEPARTMENT_PREFIX}{department.pk}",
        name=department.name,
        description=f"向{department.name}反映诉求，由 12345 中心派单后办理。",
        group=DEPARTMENT_GROUP,
        keywords=", ".join(titles),
        department=department,
        attributes=(KIND_ATTRIBUTE, TITLE_ATTRIBUTE),
    )


def _departments() -> QuerySet[Department]:
    # The bureau receives and dispatches tickets; it is not a service of its own.
    return Department.objects.filter(is_bureau=False).prefetch_related(
        Prefetch(
            "responsibilities",
            queryset=Responsibility.objects.filter(active=True).order_by("title", "id"),
            to_attr="open311_duties",
        )
    )


def service_list() -> list[ServiceType]:
    """Every service: the ticket kinds, then the departments."""
    return [_kind_service(kind) for kind in TicketKind] + [
        _department_service(d) for d in _departments()
    ]


def service_for(code: str) -> ServiceType | None:
    """The service with this code, or None."""
    if code in TicketKind.values:
        return _kind_service(TicketKind(code))
    number = code[len(DEPARTMENT_PREFIX) :]
    # At most 18 digits: beyond the databases' 64-bit keys SQLite overflows.
    if code.startswith(DEPARTMENT_PREFIX) and number.isdigit() and len(number) <= 18:
        department = _departments().filter(pk=int(number)).first()
        if department is not None:
            return _department_service(department)
    return None


# --- Service requests -----------------------------------------------------------------------


def _requests() -> QuerySet[Ticket]:
    return Ticket.objects.filter(source=TicketSource.OPEN311).select_related(
        "lead_department", "centre", "merged_into"
    )


def is_closed(ticket: Ticket) -> bool:
    return ticket.status in FINAL_STATUSES


def _service_q(services: Iterable[ServiceType]) -> Q:
    q = Q(pk__in=[])
    for service in services:
        if service.department is not None:
            q |= Q(lead_department=service.department)
        else:
            q |= Q(kind=service.kind)
    return q


def request_list(
    *,
    ids: list[int] | None = None,
    services: list[ServiceType] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    statuses: list[str] | None = None,
) -> list[Ticket]:
    """Open311 requests, newest first, at most MAX_REQUESTS. `ids` overrides the other filters
    (as the spec says); otherwise requested between `start` and `end` (the caller makes the
    span at most 90 days), of any of `services` and `statuses` (open / closed)."""
    tickets = _requests()
    if ids is not None:
        ids = ids[:MAX_REQUESTS]
        return list(tickets.filter(pk__in=ids).order_by("-registered_at", "-id")[:MAX_REQUESTS])
    filters: dict[str, Any] = {}
    if start is not None:
        filters["registered_at__gte"] = start
    if end is not None:
        filters["registered_at__lte"] = end
    tickets = tickets.filter(**filters)
    if services:
        tickets = tickets.filter(_service_q(services))
    if statuses and set(statuses) != {"open", "closed"}:
        closed = Q(status__in=FINAL_STATUSES)
        tickets = tickets.filter(closed if "closed" in statuses else ~closed)
    return list(tickets.order_by("-registered_at", "-id")[:MAX_REQUESTS])


def request_get(pk: int) -> Ticket | None:
    """One Open311 request by its id, or None (a ticket of another channel is None too)."""
    return _requests().filter(pk=pk).first()


def request_by_token(token: str) -> Ticket | None:
    """An Open311 request by its token — the ticket number (工单编号) the citizen is told."""
    return _requests().filter(number=token).first() if token else None


def services_changed_at() -> dt.datetime | None:
    """When the service list last changed as far as we can tell: the latest edit of a
    responsibility entry (their titles are the departments' keywords). Discovery's changeset."""
    from django.db.models import Max

    return Responsibility.objects.aggregate(at=Max("updated_at"))["at"]
