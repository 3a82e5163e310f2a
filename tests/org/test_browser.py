"""Browser: someone at a signed-in staff member's desk guesses the old password on the
password-change page; the account locks, the session ends, and the sign-in page then gives
only the one failure message, even for the right password."""

from __future__ import annotations

import pytest

from tests import factories as f
from yiwang.org.auth import STAFF_SIGN_IN_FAILED
from yiwang.org.models import User

pytestmark = pytest.mark.browser


def test_guessing_the_old_password_locks_the_account_and_signs_out(page, settings):
    settings.YIWANG_LOCKOUT_ATTEMPTS = 3
    f.staff(f.department("县浏览器局"), ["window_clerk"], username="liming")
    page.goto(f"{page.base_url}/accounts/sign-in/")
    page.locator("input[name=username]").fill("liming")
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{page.base_url}/workbench/")

    page.goto(f"{page.base_url}/accounts/password/")
    for attempt in range(1, 4):
        page.locator("input[name=old_password]").fill(f"guess-{attempt}")
        page.locator("input[name=new_password1]").fill("Brand-new-2026")
        page.locator("input[name=new_password2]").fill("Brand-new-2026")
        page.get_by_role("button", name="保存新密码").click()
        page.wait_for_load_state()
        if attempt < 3:
            assert page.get_by_text("原密码不正确。").is_visible()

    page.wait_for_url(f"{page.base_url}/accounts/sign-in/")
    assert page.get_by_text("账号已被暂时锁定，您已退出登录").is_visible()
    assert User.objects.get(username="liming").locked_until is not None

    # Signed out: the workbench sends back to the sign-in page.
    page.goto(f"{page.base_url}/workbench/")
    page.wait_for_url(f"{page.base_url}/accounts/sign-in/?next=/workbench/")

    # The right password now gets the same message as any failure.
    page.locator("input[name=username]").fill("liming")
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").filter(has_text=STAFF_SIGN_IN_FAILED).is_visible()
    assert page.url.startswith(f"{page.base_url}/accounts/sign-in/")
