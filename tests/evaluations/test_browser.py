"""Browser: a citizen rates a concluded case from the QR page on a phone, without signing in —
the QR printed on the decision notice holds the same signed link as his SMS invitation — and
finds the rating on 我的办件; a second visit to the link shows it rated; a forged link is
refused with its one sentence."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.cases.conftest import PASSWORD
from tests.evaluations.conftest import concluded_case
from yiwang.cases import notices
from yiwang.catalog.guides.pdf import qr_svg_data_uri
from yiwang.evaluations import tokens
from yiwang.evaluations.fields import Channel
from yiwang.evaluations.models import Rating
from yiwang.notifications.models import Message, MessageChannel

pytestmark = pytest.mark.browser

PHONE_VIEWPORT = {"width": 375, "height": 740}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def phone(browser, live_server, transactional_db, django_db_serialized_rollback) -> Any:
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def test_a_citizen_rates_a_concluded_case_from_the_qr_page(phone, world, settings):
    page = phone
    settings.YIWANG_PUBLIC_BASE_URL = page.base_url
    case = concluded_case(world)
    # the QR on the 准予许可决定书 encodes the case's signed rating link
    link = tokens.rating_url(tokens.case_token(case.pk))
    notice = case.notices.get(kind="approval")
    assert notices.notice_context(notice)["rating_qr"] == qr_svg_data_uri(link)
    sms = Message.objects.get(kind="evaluations.invitation", channel=MessageChannel.SMS)
    assert link in sms.text

    page.goto(link)
    assert page.get_by_test_id("rating-subject").inner_text().startswith("食品经营许可（新办）")
    assert page.locator("body").evaluate("b => b.scrollWidth") <= PHONE_VIEWPORT["width"]
    levels = page.get_by_test_id("level")
    assert levels.locator("label.level-1").bounding_box()["height"] >= 40  # a thumb's target
    page.get_by_role("button", name="提交评价").click()  # nothing chosen
    assert levels.locator(".field-error").inner_text() == "请选择整体满意度。"
    assert not Rating.objects.exists()
    page.get_by_test_id("level").get_by_label("非常不满意").check()
    page.get_by_text("分项评价（选填）").click()
    page.get_by_test_id("score_efficiency").get_by_label("不满意", exact=True).check()
    page.get_by_label("评价内容（选填）").fill("补正告知不一次说清，跑了两趟")
    page.get_by_role("button", name="提交评价").click()
    page.get_by_test_id("rated").wait_for()
    assert "感谢您的评价" in page.content()
    assert page.get_by_test_id("rated-level").inner_text() == "非常不满意"

    rating = Rating.objects.get(case=case)
    assert rating.level == 1 and rating.channel == Channel.QR and rating.bad
    assert rating.scores == {"overall": 1, "efficiency": 2}
    assert rating.comment == "补正告知不一次说清，跑了两趟"
    assert rating.rater == world.citizen and rating.department == world.dept

    # the link again: rated, no form (一次一评)
    page.goto(link)
    assert page.get_by_test_id("rating-form").count() == 0
    assert page.get_by_test_id("rated-level").inner_text() == "非常不满意"

    # on 我的办件 the case shows the rating, and offers no second one
    page.goto(f"{page.base_url}/my/cases/{case.pk}/")
    page.wait_for_url(re.compile(r".*/accounts/citizen/sign-in/.*"))
    page.get_by_label("手机号码").fill("13800138000")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("case-rating").wait_for()
    assert page.get_by_test_id("case-rating-level").inner_text() == "非常不满意"
    assert page.get_by_test_id("rate-case").count() == 0


def test_a_forged_qr_link_is_refused(phone, world):
    page = phone
    case = concluded_case(world)
    forged = tokens.case_token(case.pk)[:-2] + "xx"
    answer = page.goto(f"{page.base_url}/rate/{forged}/")
    assert answer.status == 400
    assert page.get_by_test_id("token-refused").inner_text() == tokens.FORGED
    assert page.get_by_test_id("rating-form").count() == 0
