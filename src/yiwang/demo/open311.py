"""The demo county's Open311 client: an API key (名称 DEMO_CLIENT; its secret is not kept, make
one of your own with `yiwang apikey create --name … --scope open311`) and two service
requests it sent, registered through open311.services as any client's are — so that
/open311/v2/requests.json has something to show. Safe to run again: nothing is added once the
client has sent its requests."""

from __future__ import annotations

from yiwang.appeals.fields import TicketSource
from yiwang.appeals.models import Ticket
from yiwang.open311 import selectors, services
from yiwang.org import services as org_services
from yiwang.org.models import ApiKey, ApiKeyScope, Department

DEMO_CLIENT = "示范县随手拍（Open311 演示客户端）"

REQUESTS = [
    {
        "service_code": "complaint",
        "description": (
            "城关镇人民路与解放路交叉口的窨井盖破损下陷，夜间有行人和电动车摔倒的危险，请尽快修复。"
        ),
        "address_string": "示范县城关镇人民路与解放路交叉口",
        "lat": "31.861200",
        "long": "117.284100",
        "last_name": "周",
        "first_name": "敏",
    },
    {
        "service_code": "suggestion",
        "description": "建议在县政务服务中心门口增设非机动车停放点，现在电动车只能停在人行道上。",
        "address_string": "示范县政务服务中心",
    },
]
# A department's service: the request names the department it is for.
DEPARTMENT_REQUEST = {
    "description": "某小区旁的超市出售过期酸奶，生产日期已超过保质期三天。",
    "address_string": "示范县城关镇幸福路 8 号",
    "attribute[kind]": "report",
}
DEPARTMENT = "县市场监督管理局"


def seed_open311() -> dict[str, int]:
    if Ticket.objects.filter(source=TicketSource.OPEN311).exists():
        return {}
    key = ApiKey.objects.filter(name=DEMO_CLIENT, scope=ApiKeyScope.OPEN311).first()
    if key is None:
        key, _ = org_services.api_key_create(name=DEMO_CLIENT, scope=ApiKeyScope.OPEN311)
    created = 0
    for data in REQUESTS:
        service = selectors.service_for(data["service_code"])
        if service is None:  # the kinds are fixed; a department may be missing
            continue
        services.request_create(key=key, service=service, data=data)
        created += 1
    department = Department.objects.filter(name=DEPARTMENT).first()
    if department is not None:
        service = selectors.service_for(f"{selectors.DEPARTMENT_PREFIX}{department.pk}")
        if service is not None:
            services.request_create(key=key, service=service, data=DEPARTMENT_REQUEST)
            created += 1
    return {"Open311 诉求": created}
