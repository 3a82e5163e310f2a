"""The one write of the Open311 interface: a service request becomes a ticket (诉求工单, source
Open311) through appeals.services.ticket_register, like a ticket of any other channel; it
then waits on the bureau's dispatch desk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from yiwang.appeals import services as appeals_services
from yiwang.appeals.fields import CONTENT_MAX, TITLE_MAX, TicketKind, TicketSource
from yiwang.appeals.models import Ticket
from yiwang.audit.services import audit_change
from yiwang.org.models import ApiKey

from .selectors import ServiceType

# A title made from the description: its first line, this long at most.
TITLE_FROM_DESCRIPTION = 30
DEPARTMENT_EVENT_LABEL = "申请人选择承办部门"


def _value(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return str(value).strip() if value is not None else ""


def _title(data: Mapping[str, Any], description: str) -> str:
    title = _value(data, "attribute[title]")
    if title:
        return title
    first_line = description.splitlines()[0].strip() if description else ""
    if len(first_line) > TITLE_FROM_DESCRIPTION:
        return first_line[: TITLE_FROM_DESCRIPTION - 1] + "…"
    return first_line[:TITLE_MAX]


def _kind(service: ServiceType, data: Mapping[str, Any]) -> str:
    if service.kind:
        return service.kind
    kind = _value(data, "attribute[kind]")
    if kind not in TicketKind.values:
        allowed = "、".join(f"{k.value}（{k.label}）" for k in TicketKind)
        raise ValidationError({"kind": f"请用 attribute[kind] 选择诉求类别：{allowed}。"})
    return kind


def _location(data: Mapping[str, Any]) -> tuple[str, str, str]:
    lat, long = _value(data, "lat"), _value(data, "long")
    address = _value(data, "address_string")
    address_id = _value(data, "address_id")
    if bool(lat) != bool(long):
        raise ValidationError({"lat": "lat 与 long 须同时提供。"})
    if not (lat or address or address_id):
        raise ValidationError(
            {"address_string": "请提供地点：lat 与 long，或 address_string，或 address_id。"}
        )
    if not address and address_id:
        address = f"地址编号 {address_id}"
    return lat, long, address


def _content(service: ServiceType, data: Mapping[str, Any]) -> str:
    # The spec makes description optional (a client may send only a place and a photo): the
    # ticket then says which service was asked for, and the desk reads the rest from the media.
    description = _value(data, "description") or f"{service.name}（未填写描述）"
    media_url = _value(data, "media_url")
    if media_url:
        if not media_url.lower().startswith(("http://", "https://")):
            raise ValidationError({"media_url": "media_url 应为 http 或 https 链接。"})
        description = f"{description}\n\n图片：{media_url}"
    if len(description) > CONTENT_MAX:
        raise ValidationError(
            {"description": f"诉求内容（含 media_url）不能超过 {CONTENT_MAX} 个字。"}
        )
    return description


@transaction.atomic
def request_create(*, key: ApiKey, service: ServiceType, data: Mapping[str, Any]) -> Ticket:
    """Register an Open311 service request as a ticket (source Open311, registered by the
    system). The kind is the service's, or for a department's service the `kind` attribute;
    the department asked for is noted in the ticket's history for the dispatch desk (the bureau
    dispatches, as for every channel). first_name and last_name make the applicant's name (none:
    anonymous), `phone` his mobile; email, device_id and account_id are not kept. Audited with
    the API key that sent it."""
    description = _content(service, data)
    lat, long, address = _location(data)
    name = (_value(data, "last_name") + _value(data, "first_name")).strip()
    ticket = appeals_services.ticket_register(
        actor=None,
        source=TicketSource.OPEN311,
        kind=_kind(service, data),
        title=_title(data, description),
        content=description,
        applicant_name=name,
        applicant_phone=_value(data, "phone"),
        anonymous=not name,
        address=address,
        latitude=lat or None,
        longitude=long or None,
    )
    if service.department is not None:
        event = appeals_services.record_event(
            ticket,
            "open311_department",
            None,
            from_status=ticket.status,
            note=f"Open311 申请人选择的承办部门：{service.department.name}",
            department=service.department,
            public=False,
        )
        # Not a transition of the ticket machine: the history line gets its label here.
        event.label = DEPARTMENT_EVENT_LABEL
        event.save(update_fields=["label"])
    audit_change(
        action="open311.request_create",
        obj=ticket,
        after={"api_key": key.pk, "api_key_name": key.name, "service_code": service.code},
        actor=None,
    )
    return ticket
