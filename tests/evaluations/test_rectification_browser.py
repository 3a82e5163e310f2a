"""Browser: the whole loop of a bad rating — a citizen rates a concluded case 非常不满意 from the
QR page, the department's clerk finds the task in 差评整改, verifies and calls back, rectifies,
the citizen rates the fix from the follow-up link he was sent, and the task is closed with his
rating on it; the bureau's board shows it. And an appeal: the department appeals with an evidence
upload, the bureau finds it on its board, downloads the evidence and upholds it (the rating stays
on record, marked mistaken)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import factories
from tests.evaluations.conftest import concluded_case
from tests.evaluations.rectification_world import PDF, bad_rating, bureau_user
from yiwang.evaluations.models import Rectification
from yiwang.evaluations.tokens import case_token
from yiwang.notifications.models import Message

pytestmark = pytest.mark.browser

# Set YIWANG_RECTIFICATION_SHOTS to a folder to keep screenshots of the pages for a visual check.
SHOTS = os.environ.get("YIWANG_RECTIFICATION_SHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture(autouse=True)
def _calendar_confirmed(monkeypatch):
    monkeypatch.setattr("yiwang.workbench.views.calendar_unconfirmed_years", lambda today: [])


def sign_in(page, username: str) -> None:
    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")


def action(page, name: str):
    return page.locator(f'[data-action="{name}"]')


def test_a_very_dissatisfied_qr_rating_is_verified_rectified_and_the_fix_rated(page, world):
    case = concluded_case(world)

    # The citizen scans the QR code of his case notice and rates 非常不满意.
    page.goto(f"{page.base_url}/rate/{case_token(case.pk)}/")
    page.locator('[data-testid="level"]').get_by_label("非常不满意", exact=True).check()
    page.get_by_label("评价内容（选填）").fill("材料要求前后说法不一，跑了三趟。")
    page.get_by_role("button", name="提交评价").click()
    assert page.get_by_test_id("rated-level").inner_text() == "非常不满意"
    task = Rectification.objects.get(rating__case=case)

    # The department's clerk finds it in 差评整改 and verifies it.
    sign_in(page, world.clerk.user.username)
    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="差评整改").click()
    page.locator(f'[data-task="{task.pk}"]').get_by_role("link").click()
    page.wait_for_url(re.compile(rf".*/rectification/{task.pk}/$"))
    assert page.get_by_test_id("task-status").inner_text() == "待核实"
    shot(page, "task-verifying")
    assert "跑了三趟" in page.get_by_test_id("rating-comment").inner_text()
    verify = action(page, "verify")
    verify.get_by_label("核实情况").fill("窗口两次告知的材料清单不一致，属实。")
    verify.get_by_label("已电话联系评价人").check()
    verify.get_by_label("回电情况（未能联系的写明原因）").fill("已电话致歉，说明整改安排。")
    verify.get_by_role("button", name="核实并回电").click()
    page.wait_for_url(re.compile(rf".*/rectification/{task.pk}/$"))
    assert page.get_by_test_id("task-status").inner_text() == "待定性"

    action(page, "confirm").get_by_role("button", name="确认属实").click()
    assert page.get_by_test_id("task-status").inner_text() == "整改中"
    rectify = action(page, "rectify")
    rectify.get_by_label("整改措施").fill("统一材料清单，窗口一次性告知，开展业务培训。")
    rectify.get_by_role("button", name="完成整改").click()
    assert page.get_by_test_id("task-status").inner_text() == "待回访"
    shot(page, "task-follow-up")

    # The citizen opens the follow-up link sent to his phone and rates the fix.
    sms = Message.objects.get(kind="rectification.follow_up", channel="sms")
    link = re.search(r"https?://\S+", sms.text).group(0)
    page.goto(page.base_url + urlsplit(link).path)
    assert "统一材料清单" in page.get_by_test_id("fix-measures").inner_text()
    shot(page, "rate-fix")
    page.locator('[data-testid="level"]').get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    page.get_by_test_id("fix-thanks").wait_for()

    # Back on the workbench the task is closed with his rating of the fix.
    page.goto(f"{page.base_url}/workbench/evaluations/rectification/{task.pk}/")
    assert page.get_by_test_id("task-status").inner_text() == "已办结"
    assert page.get_by_test_id("follow-up-level").inner_text().startswith("满意")
    shot(page, "task-closed")
    task.refresh_from_db()
    assert task.status == "closed" and task.followed_up_at is not None
    page.goto(f"{page.base_url}/workbench/evaluations/rectification/board/")
    shot(page, "board")


def test_an_appeal_with_evidence_is_upheld_by_the_bureau_from_its_board(page, world, tmp_path):
    rating = bad_rating(world, comment="随手点的")
    task = Rectification.objects.get(rating=rating)
    evidence = tmp_path / "通话记录.pdf"
    evidence.write_bytes(PDF)

    # The department verifies and appeals, with the call record as evidence.
    sign_in(page, world.clerk.user.username)
    page.goto(f"{page.base_url}/workbench/evaluations/rectification/{task.pk}/")
    verify = action(page, "verify")
    verify.get_by_label("核实情况").fill("评价人来电说明误点了“非常不满意”。")
    verify.get_by_label("已电话联系评价人").check()
    verify.get_by_label("回电情况（未能联系的写明原因）").fill("评价人确认误点。")
    verify.get_by_role("button", name="核实并回电").click()
    appeal = action(page, "appeal")
    appeal.get_by_label("误评").check()
    appeal.get_by_label("申诉理由").fill("评价人来电说明误点，附通话记录。")
    appeal.get_by_label("证据材料").set_input_files(str(evidence))
    appeal.get_by_role("button", name="申诉复核").click()
    assert page.get_by_test_id("task-status").inner_text() == "申诉复核中"
    assert page.get_by_test_id("evidence").inner_text().startswith("通话记录.pdf")
    assert action(page, "uphold").count() == 0  # the department cannot decide its own appeal
    page.get_by_role("button", name="退出登录").click()

    # The bureau finds it on the board, reads the evidence and upholds it.
    sign_in(page, bureau_user().username)
    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="整改看板").click()
    page.get_by_test_id("board-appeals").locator(f'[data-task="{task.pk}"]').get_by_role(
        "link"
    ).click()
    with page.expect_download() as download:
        page.get_by_test_id("evidence").get_by_role("link", name="通话记录.pdf").click()
    assert download.value.suggested_filename == "通话记录.pdf"
    uphold = action(page, "uphold")
    uphold.get_by_label("复核意见").fill("通话记录证实为误评。")
    uphold.get_by_role("button", name="申诉成立").click()
    assert page.get_by_test_id("task-status").inner_text() == "已办结"
    assert page.get_by_test_id("rating-mistaken").is_visible()
    rating.refresh_from_db()
    assert rating.mistaken and rating.level == 1
