"""Case downloads: notices as PDFs rendered once and kept, materials streamed sandboxed; only
the applicant and staff in scope reach them (404 for everyone else)."""

from __future__ import annotations

import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases.conftest import CaseWorld
from tests.cases.test_services import PDF, accepted, draft
from yiwang.cases import services as s
from yiwang.cases.fields import NoticeKind


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def pdf_text(data: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "n.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.django_db
def test_the_acceptance_notice_is_a_pdf_for_the_applicant(world: CaseWorld, tmp_path):
    case = accepted(world)
    notice = case.notices.get(kind=NoticeKind.ACCEPTANCE)
    url = reverse("cases-files:notice", args=[case.pk, notice.pk])
    response = signed_in(world.citizen.user).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    text = pdf_text(body, tmp_path)
    assert "受理通知书" in text and case.number in text and "张三" in text
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    notice.refresh_from_db()
    stored = notice.pdf.name
    assert stored  # rendered once, then served from storage
    signed_in(world.clerk.user).get(url)
    notice.refresh_from_db()
    assert notice.pdf.name == stored


@pytest.mark.django_db
def test_a_correction_notice_lists_everything(world: CaseWorld, tmp_path):
    from tests.cases.test_services import submitted

    case = submitted(world)
    s.case_request_correction(
        case=case,
        actor=world.clerk.user,
        entries=[{"order": 1, "note": "申请书未签字"}, {"name": "门头照片", "note": "请补充"}],
    )
    notice = case.notices.get(kind=NoticeKind.CORRECTION)
    response = signed_in(world.citizen.user).get(
        reverse("cases-files:notice", args=[case.pk, notice.pk])
    )
    text = pdf_text(b"".join(response.streaming_content), tmp_path)
    assert "一次性告知" in text and "申请书未签字" in text and "门头照片" in text


@pytest.mark.django_db
def test_others_get_404(world: CaseWorld):
    case = accepted(world)
    notice = case.notices.first()
    material = case.materials.exclude(file="").first()
    urls = [
        reverse("cases-files:notice", args=[case.pk, notice.pk]),
        reverse("cases-files:material", args=[case.pk, material.pk]),
    ]
    for user in (world.stranger.user, world.other_clerk.user):
        client = signed_in(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    assert Client().get(urls[0]).status_code == 404
    # a notice of another case through this case's URL
    other = accepted(world)
    wrong = reverse("cases-files:notice", args=[case.pk, other.notices.first().pk])
    assert signed_in(world.citizen.user).get(wrong).status_code == 404


@pytest.mark.django_db
def test_materials_stream_sandboxed_to_staff_in_scope(world: CaseWorld):
    case = draft(world)
    row = s.case_material_upload(
        case=case, actor=world.citizen.user, order=1, file=PDF, file_name="x.html"
    )
    response = signed_in(world.citizen.user).get(
        reverse("cases-files:material", args=[case.pk, row.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"  # by content, not by the name given
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private"
    assert (
        signed_in(world.clerk.user)
        .get(reverse("cases-files:material", args=[case.pk, row.pk]))
        .status_code
        == 200
    )
