"""A department with a seal key, a licence type it issues, and builders for licences."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from yiwang.licenses import services
from yiwang.licenses.models import HolderKind

FIELDS = [
    {"name": "经营场所", "kind": "text", "required": True},
    {"name": "从业人员", "kind": "integer", "required": False},
    {"name": "网络经营", "kind": "boolean", "required": False},
    {"name": "核发日期", "kind": "date", "required": False},
]


@pytest.fixture
def issuer(db):
    department = factories.department("示范县市场监督管理局")
    services.seal_key_rotate(department=department)
    return department


@pytest.fixture
def license_type(issuer):
    return services.license_type_create(
        code=factories.uscc() + "001",
        name="食品经营许可证",
        department=issuer,
        national=True,
        fields=FIELDS,
    )


def issue(license_type, **overrides):
    values = {
        "license_type": license_type,
        "holder_kind": HolderKind.PERSON,
        "holder_name": "张三",
        "holder_id_number": factories.id_number(),
        "fields": {"经营场所": "示范县人民路 1 号", "从业人员": 3},
        "valid_from": dt.date(2026, 3, 2),
        "valid_until": dt.date(2031, 3, 1),
    }
    values.update(overrides)
    return services.license_issue(**values)
