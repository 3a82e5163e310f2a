"""The 12345 import page: an upload is imported all or nothing and its report shown row by row;
one bad row imports nothing and the page names it; re-uploading changes nothing; the page is for
the roles that register tickets."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.appeals.conftest import TicketWorld
from tests.appeals.test_import import ROWS
from yiwang.appeals import importing
from yiwang.appeals.models import ImportStatus, Ticket, TicketImport

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, rows):
    data = importing.workbook_bytes(rows)
    return client.post(
        reverse("appeals:imports"), {"file": SimpleUploadedFile("12345.xlsx", data, XLSX)}
    )


def test_an_upload_is_imported_and_its_report_shown(client, tw: TicketWorld):
    client.force_login(tw.clerk.user)
    assert client.get(reverse("appeals:imports")).status_code == 200
    response = upload(client, ROWS)
    job = TicketImport.objects.get()
    assert response["Location"] == reverse("appeals:import-detail", args=[job.pk])
    assert job.status == ImportStatus.DONE and Ticket.objects.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "新增 2 件" in page and 'data-result="created"' in page
    # again: nothing changes, each row 已存在
    response = upload(client, ROWS)
    again = TicketImport.objects.order_by("-pk").first()
    assert again.unchanged_count == 2 and Ticket.objects.count() == 2
    assert 'data-result="unchanged"' in client.get(response["Location"]).content.decode()
    listing = client.get(reverse("appeals:imports")).content.decode()
    assert listing.count("12345.xlsx") == 2


def test_one_bad_row_imports_nothing_and_the_page_names_it(client, tw: TicketWorld):
    client.force_login(tw.clerk.user)
    bad = [ROWS[0], {**ROWS[1], "诉求类别": "闲聊"}]
    response = upload(client, bad)
    job = TicketImport.objects.get()
    assert job.status == ImportStatus.FAILED
    assert not Ticket.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "未导入任何工单" in page and 'data-result="error"' in page and "第 3 行" in page


def test_a_file_that_is_not_a_workbook_is_refused_in_one_sentence(client, tw: TicketWorld):
    client.force_login(tw.clerk.user)
    response = client.post(
        reverse("appeals:imports"),
        {"file": SimpleUploadedFile("12345.xlsx", b"plain text", XLSX)},
        follow=True,
    )
    assert TicketImport.objects.get().status == ImportStatus.FAILED
    assert not Ticket.objects.exists()
    assert response.status_code == 200
    response = client.post(reverse("appeals:imports"), {})
    assert response.status_code == 400 and "请选择要导入的文件。" in response.content.decode()


def test_the_page_is_for_registering_roles(client, tw: TicketWorld):
    client.force_login(tw.market_handler.user)
    assert client.get(reverse("appeals:imports")).status_code == 403
    assert upload(client, ROWS).status_code == 403
    assert not Ticket.objects.exists()
