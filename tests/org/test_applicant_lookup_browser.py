"""Browser: a window clerk looks an applicant up by ID number on the workbench; the number is
posted, never in the address bar (or the history, or a sign-in page's `next=`), and the
sign-in shows up in the audit trail."""

from __future__ import annotations

import pytest

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.org import services
from yiwang.org.models import ApplicantKind

pytestmark = pytest.mark.browser

ID_NUMBER = f.id_number("19850315", 42)


def test_clerk_finds_an_applicant_without_the_id_in_the_url(page):
    clerk = f.staff(f.department("县浏览器局"), ["window_clerk"], username="wangfang")
    services.applicant_register(
        kind=ApplicantKind.PERSON, name="赵六", phone="13812345678", id_number=ID_NUMBER
    )
    services.applicant_register(
        kind=ApplicantKind.PERSON, name="钱七", phone="13812345670", id_number=f.id_number()
    )
    page.goto(f"{page.base_url}/accounts/sign-in/?next=/accounts/applicants/")
    page.locator("input[name=username]").fill("wangfang")
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/accounts/applicants/")
    assert page.get_by_role("link", name="钱七").is_visible()

    page.get_by_label("按身份证号码查找").fill(ID_NUMBER)
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="赵六").is_visible()
    assert page.get_by_role("link", name="钱七").count() == 0
    assert page.url == f"{page.base_url}/accounts/applicants/"
    assert ID_NUMBER not in page.url
    masked = ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    assert page.get_by_role("cell", name=masked).is_visible()

    page.get_by_label("按身份证号码查找").fill(f.id_number("19850315", 43))
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    assert page.get_by_text("没有找到该身份证号码的申请人。").is_visible()

    assert AuditEvent.objects.filter(action="org.sign_in", actor_id=clerk.user_id).count() == 1
