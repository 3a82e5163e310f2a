"""Tickets and services as GeoReport v2 rows (plain dicts, rendered as JSON or XML).

`status` is the spec's open | closed (closed: 已办结, or 已合并 into another ticket); our own
state (待派单, 待签收, 办理中, 已答复 …), the handling department's deadline and the reply go in
`status_notes`. Free text is masked (mobile and ID numbers) on the way out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from yiwang.appeals.fields import TicketKind, TicketStatus
from yiwang.appeals.models import Ticket
from yiwang.common.masking import mask_text

from . import selectors
from .selectors import Attribute, ServiceType, is_closed


def w3(value: dt.datetime | None) -> str | None:
    """A datetime in the spec's w3 format with the site's offset, e.g. 2026-12-01T09:30:00+08:00."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _end_of(day: dt.date | None) -> str | None:
    if day is None:
        return None
    return w3(timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59))))


def service_row(service: ServiceType) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": service.description,
        "metadata": bool(service.attributes),
        "type": "realtime",
        "keywords": service.keywords,
        "group": service.group,
    }


def _attribute_row(attribute: Attribute) -> dict[str, Any]:
    return {
        "variable": True,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
        "values": [{"key": key, "name": name} for key, name in attribute.values],
    }


def service_definition(service: ServiceType) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "attributes": [
            _attribute_row(a) for a in sorted(service.attributes, key=lambda a: a.order)
        ],
    }


def status_notes(ticket: Ticket) -> str:
    """Our detailed state in one Chinese sentence."""
    status = TicketStatus(ticket.status)
    parts = [str(status.label)]
    if status == TicketStatus.MERGED and ticket.merged_into_id:
        parts = [f"已合并至工单 {ticket.merged_into.number}"]  # type: ignore[union-attr]
    elif ticket.lead_department_id and status != TicketStatus.CLOSED:
        parts.append(f"主办部门 {ticket.lead_department.name}")  # type: ignore[union-attr]
    if ticket.deadline and not is_closed(ticket) and status != TicketStatus.REPLIED:
        parts.append(f"办理期限 {ticket.deadline:%Y-%m-%d}")
    if ticket.paused:
        parts.append("等待诉求人补充，计时暂停")
    note = "，".join(parts) + "。"
    if ticket.reply and status in (
        TicketStatus.REPLIED,
        TicketStatus.FOLLOWED_UP,
        TicketStatus.CLOSED,
    ):
        note += f"答复：{mask_text(ticket.reply)}"
    return note


def service_notice(ticket: Ticket) -> str:
    notice = f"诉求已受理，工单编号 {ticket.number}，可凭此编号查询办理情况。"
    if ticket.deadline:
        notice += f"办理期限 {ticket.deadline:%Y-%m-%d}。"
    return notice


def request_row(ticket: Ticket) -> dict[str, Any]:
    kind = TicketKind(ticket.kind) if ticket.kind else None
    agency = ticket.lead_department or ticket.centre
    return {
        "service_request_id": str(ticket.pk),
        "status": "closed" if is_closed(ticket) else "open",
        "status_notes": status_notes(ticket),
        "service_name": str(kind.label) if kind else "待分类",
        "service_code": kind.value if kind else "",
        "description": mask_text(ticket.content),
        "agency_responsible": agency.name if agency else "",
        "service_notice": service_notice(ticket),
        "requested_datetime": w3(ticket.registered_at),
        "updated_datetime": w3(ticket.closed_at if ticket.closed_at else ticket.updated_at),
        "expected_datetime": _end_of(ticket.deadline),
        "address": ticket.address,
        "address_id": "",
        "zipcode": "",
        "lat": float(ticket.latitude) if ticket.latitude is not None else None,
        "long": float(ticket.longitude) if ticket.longitude is not None else None,
        "media_url": "",
    }


def created_row(ticket: Ticket) -> dict[str, Any]:
    """The answer to POST requests: the id (we are realtime: no token), the notice."""
    return {
        "service_request_id": str(ticket.pk),
        "service_notice": service_notice(ticket),
        "account_id": None,
    }


def token_row(ticket: Ticket) -> dict[str, Any]:
    return {"service_request_id": str(ticket.pk), "token": ticket.number}


SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The interface's own last change: discovery's changeset when no service changed since.
RELEASED = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def discovery(*, url: str, bureau_name: str, production: bool) -> dict[str, Any]:
    """The spec's service discovery document: one GeoReport v2 endpoint, XML and JSON."""
    changed = max(filter(None, [RELEASED, selectors.services_changed_at()]))
    changeset = w3(changed)
    who = bureau_name or "数据资源管理局"
    return {
        "changeset": changeset,
        "contact": f"{who}（12345 政务服务便民热线）",
        "key_service": f"提交诉求所需的接口密钥（api_key）请向{who}申请。",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": changeset,
                "type": "production" if production else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
