"""Org pages honour the data scope: out-of-scope records answer 404."""

from __future__ import annotations

from django.urls import reverse

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.org import services
from yiwang.org.models import ApplicantKind


def test_staff_list_page_shows_own_department_only(client, two_departments):
    t = two_departments
    client.force_login(t.clerk_a.user)
    html = client.get(reverse("org:staff-list")).content.decode()
    assert t.clerk_a.full_name in html
    assert t.clerk_b.full_name not in html
    assert "139****0001" in html and "13900000001" not in html


def test_staff_detail_page_out_of_scope_is_404(client, two_departments):
    t = two_departments
    client.force_login(t.clerk_a.user)
    assert client.get(reverse("org:staff-detail", args=[t.clerk_b.pk])).status_code == 404
    assert client.get(reverse("org:staff-detail", args=[t.clerk_a.pk])).status_code == 200


def test_window_page_scope(client, two_departments):
    t = two_departments
    client.force_login(t.clerk_b.user)
    html = client.get(reverse("org:window-list")).content.decode()
    assert "县乙局" in html and "县甲局" not in html


def test_bureau_sees_both_departments(client, two_departments):
    t = two_departments
    client.force_login(t.bureau_admin.user)
    html = client.get(reverse("org:staff-list")).content.decode()
    assert t.clerk_a.full_name in html and t.clerk_b.full_name in html


def test_citizen_cannot_open_staff_pages(client, db):
    applicant = services.applicant_register(
        kind=ApplicantKind.PERSON,
        name="王五",
        phone="13800000041",
        id_number=f.id_number(),
        password=f.PASSWORD,
    )
    client.force_login(applicant.user)
    assert client.get(reverse("org:staff-list")).status_code == 403


def test_applicant_page_masks_and_reveal_is_audited(client, two_departments):
    t = two_departments
    idn = f.id_number("19850315", 42)
    applicant = services.applicant_register(
        kind=ApplicantKind.PERSON, name="赵六", phone="13812345678", id_number=idn
    )
    client.force_login(t.bureau_admin.user)
    url = reverse("org:applicant-detail", args=[applicant.pk])
    html = client.get(url).content.decode()
    assert idn not in html and f"{idn[:4]}**********{idn[-4:]}" in html
    assert "13812345678" not in html and "138****5678" in html
    html = client.post(url, {"field": "id_number", "reason": "核对申请人身份"}).content.decode()
    assert idn in html
    event = AuditEvent.objects.filter(kind="access").latest("sequence")
    assert event.reason == "核对申请人身份"
    assert event.actor == t.bureau_admin.user
    assert event.object_id == str(applicant.pk)


def test_reveal_without_permission_is_refused(client, two_departments, db):
    t = two_departments
    leader = f.staff(t.bureau, ["leader"])
    applicant = services.applicant_register(
        kind=ApplicantKind.PERSON, name="钱七", phone="13812345670", id_number=f.id_number()
    )
    client.force_login(leader.user)
    url = reverse("org:applicant-detail", args=[applicant.pk])
    before = AuditEvent.objects.filter(kind="access").count()
    response = client.post(url, {"field": "id_number", "reason": "想看看"})
    assert applicant.id_number.reveal() not in response.content.decode()
    assert AuditEvent.objects.filter(kind="access").count() == before


def test_applicant_lookup_by_id_number(client, two_departments):
    t = two_departments
    idn = f.id_number("19700101", 7)
    services.applicant_register(
        kind=ApplicantKind.PERSON, name="孙八", phone="13812345671", id_number=idn
    )
    client.force_login(t.bureau_admin.user)
    html = client.post(reverse("org:applicant-list"), {"id_number": idn}).content.decode()
    assert "孙八" in html
    html = client.post(
        reverse("org:applicant-list"), {"id_number": f.id_number("19700101", 8)}
    ).content.decode()
    assert "孙八" not in html
