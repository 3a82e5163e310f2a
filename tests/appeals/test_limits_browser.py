"""Browser: the bureau's administrator opens 诉求办理时限 from the navigation, shortens the
hotline's complaint limit, and the next hotline complaint dispatched is due by the new limit."""

from __future__ import annotations

import re

import pytest

from tests.appeals.conftest import TicketWorld
from tests.appeals.test_browser_hotline import nav, sign_in
from yiwang.appeals.models import SlaLimit
from yiwang.appeals.sla import limits_for

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _calendar_confirmed(monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [])


def test_the_bureau_sets_a_limit(page, tw: TicketWorld):
    # the migration's seeded rows are gone after a transactional test flushed the database
    SlaLimit.objects.get_or_create(
        source="enterprise_window",
        kind="",
        defaults={
            "sign_for_days": 1,
            "handling_days": 15,
            "feedback_days": 3,
            "note": "3 个工作日内向企业反馈",
        },
    )
    sign_in(page, "dispatcher")
    nav(page, "诉求办理时限")
    page.wait_for_url(re.compile(r".*/workbench/appeals/limits/$"))
    row = page.locator('[data-testid="limits"] tr[data-source="enterprise_window"]')
    assert "3 个工作日内向企业反馈" in row.inner_text()
    form = page.locator('[data-testid="limit-form"]')
    form.get_by_label("来源").select_option(label="12345热线")
    form.get_by_label("类别").select_option(label="投诉")
    form.get_by_label("签收时限（工作日）").fill("1")
    form.get_by_label("办理时限（工作日）").fill("7")
    page.get_by_test_id("save-limit").click()
    page.wait_for_url(re.compile(r".*/workbench/appeals/limits/$"))
    assert "办理时限已保存" in page.content()
    saved = page.locator('[data-testid="limits"] tr[data-source="hotline"][data-kind="complaint"]')
    assert saved.get_by_test_id("handling").inner_text() == "7"
    assert limits_for(source="hotline", kind="complaint").handling_days == 7
    # a refusal is shown on the page, naming the field
    form = page.locator('[data-testid="limit-form"]')
    form.get_by_label("办理时限（工作日）").fill("")
    page.get_by_test_id("save-limit").click()
    page.wait_for_selector('[data-testid="limit-form"]')
    error = page.locator(".field.has-error").filter(has_text="办理时限（工作日）")
    assert error.locator(".field-error").is_visible()
