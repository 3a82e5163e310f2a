"""Names in the org app refuse bidirectional control characters on every path: citizen
registration (page and service), staff accounts, and master data in the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests import factories as f
from yiwang.org import services
from yiwang.org.models import Applicant, ApplicantKind, Region, User

RLO = "\u202e"


def test_registration_page_refuses_a_bidi_name(client, db):
    response = client.post(
        reverse("org:citizen-register"),
        {
            "kind": "person",
            "name": f"李{RLO}四",
            "id_number": f.id_number(),
            "phone": "13800000041",
            "password": f.PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "姓名/名称含有文字方向控制字符（U+202E）" in response.content.decode()
    assert not Applicant.objects.exists()


def test_registration_service_refuses_a_bidi_legal_representative(db):
    with pytest.raises(ValidationError) as caught:
        services.applicant_register(
            kind=ApplicantKind.LEGAL_PERSON,
            name="示范县某某有限公司",
            phone="13800000042",
            uscc=f.uscc(),
            legal_representative=f"王{RLO}五",
            legal_representative_id_number=f.id_number(),
        )
    assert list(caught.value.message_dict) == ["legal_representative"]
    assert caught.value.message_dict["legal_representative"][0].startswith("法定代表人含有")


def test_staff_names_are_checked(db):
    with pytest.raises(ValidationError) as caught:
        services.staff_create(
            username="clerk9",
            full_name=f"赵{RLO}六",
            department=f.department(),
            roles=["window_clerk"],
            password=f.PASSWORD,
        )
    assert "姓名含有文字方向控制字符" in str(caught.value)


def test_admin_form_refuses_a_bidi_region_name(client, db):
    root = User.objects.create_superuser("root", password="x")
    root.must_change_password = False
    root.save()
    client.force_login(root)
    response = client.post(
        "/admin/org/region/add/",
        {"code": "341199200000", "name": f"测试{RLO}镇", "level": 3, "parent": ""},
    )
    assert response.status_code == 200
    assert "名称含有文字方向控制字符" in response.content.decode()
    assert not Region.objects.filter(code="341199200000").exists()
