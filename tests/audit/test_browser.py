"""Browser: a bureau administrator finds who read an applicant's personal data, opens the event
and verifies the chain, without reloading the page for filters or verification (htmx).

Set YIWANG_SCREENSHOTS_DIR to keep screenshots of the pages (list, detail, verification)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import personal_data_reveal
from yiwang.org.models import ApplicantKind
from yiwang.org.services import applicant_register

pytestmark = pytest.mark.browser

ID_NUMBER = f.id_number("19850607", 321)
PHONE = "13912345678"


@pytest.fixture
def trail(transactional_db):
    bureau = f.department("示范县数据资源管理局", is_bureau=True)
    admin = f.staff(bureau, ["bureau_admin"], username="wangfang")
    applicant = applicant_register(
        kind=ApplicantKind.PERSON, name="李四", phone=PHONE, id_number=ID_NUMBER, actor=admin.user
    )
    personal_data_reveal(
        actor=admin.user, obj=applicant, field="id_number", reason="窗口核验身份，申请人来电要求"
    )
    return admin, applicant


def shot(page, name: str) -> None:
    target = os.environ.get("YIWANG_SCREENSHOTS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"audit-{name}.png"), full_page=True)


def sign_in(page, username: str) -> None:
    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")


def test_find_a_personal_data_read_and_verify_the_chain(page, trail):
    _, applicant = trail
    sign_in(page, "wangfang")
    page.get_by_role("link", name="审计日志").click()
    page.wait_for_url(f"{page.base_url}/workbench/audit/")
    shot(page, "list")
    html = page.content()
    assert ID_NUMBER not in html and PHONE not in html

    page.get_by_test_id("access-tab").click()
    page.wait_for_url("**/workbench/audit/?kind=access")
    rows = page.locator("tbody tr[data-sequence]")
    assert rows.count() == 1
    assert "个人信息访问" in rows.first.inner_text()

    # the filter form swaps the results in place and keeps the URL shareable
    page.locator("#id_actor").fill("nobody")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**actor=nobody**")
    assert page.get_by_text("没有符合条件的审计事件。").is_visible()
    page.locator("#id_actor").fill("wangfang")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**actor=wangfang**")
    assert page.locator("tbody tr[data-sequence]").count() == 1

    event = AuditEvent.objects.get(action="personal_data.reveal")
    page.locator("tbody tr[data-sequence] a.audit-action").first.click()
    page.wait_for_url(f"**/workbench/audit/{event.sequence}/")
    assert page.get_by_test_id("hash").inner_text() == event.hash
    assert "窗口核验身份" in page.content()
    shot(page, "detail")

    creation = AuditEvent.objects.filter(object_type="org.applicant").order_by("sequence").first()
    page.goto(f"{page.base_url}/workbench/audit/{creation.sequence}/")
    assert str(applicant.id_number) in page.get_by_test_id("changes").inner_text()
    assert ID_NUMBER not in page.content() and PHONE not in page.content()
    shot(page, "detail-change")

    page.goto(f"{page.base_url}/workbench/audit/")
    page.get_by_test_id("verify-button").click()
    ok = page.get_by_test_id("verify-ok")
    ok.wait_for()
    assert f"已验证 {AuditEvent.objects.count()} 条审计事件，链完整。" in ok.inner_text()
    assert page.url == f"{page.base_url}/workbench/audit/"  # swapped in, no navigation
    shot(page, "verify")


def test_narrow_screen_has_no_horizontal_page_scroll(page, trail):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, "wangfang")
    event = AuditEvent.objects.get(action="personal_data.reveal")
    for path in ("/workbench/audit/", f"/workbench/audit/{event.sequence}/"):
        page.goto(f"{page.base_url}{path}")
        # wide tables scroll inside their own box, the page itself does not
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    shot(page, "detail-narrow")


def test_verify_shows_where_the_chain_was_tampered_with(page, trail, raw):
    # A system administrator: the tampered event (the platform's own) is outside a bureau
    # admin's region, so only the platform's overseer is offered the link to it.
    admin, _ = trail
    f.staff(admin.department, ["system_admin"], username="sysadmin")
    raw.set_column(2, "object_label", "改过的名称")
    sign_in(page, "sysadmin")
    page.goto(f"{page.base_url}/workbench/audit/")
    page.get_by_test_id("verify-button").click()
    failed = page.get_by_test_id("verify-failed")
    failed.wait_for()
    assert "第 2 条审计事件的内容与其哈希不符（记录被修改）。" in failed.inner_text()
    shot(page, "verify-failed")
    page.get_by_test_id("bad-event-link").click()
    page.wait_for_url("**/workbench/audit/2/")
