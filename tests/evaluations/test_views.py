"""The rating pages: the phone page from a QR or SMS link (no sign-in), 我的办件's rating page
and its box on the case page, the workbench's rating list (scoped) and hotline entry."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests import factories as f
from tests.evaluations.conftest import concluded_case
from yiwang.evaluations import services as s
from yiwang.evaluations import tokens
from yiwang.evaluations.fields import Channel
from yiwang.evaluations.models import Rating

PASSWORD = f.PASSWORD


def citizen_client(world) -> Client:
    client = Client()
    client.force_login(world.citizen.user)
    return client


# --- the public page --------------------------------------------------------------------------


def test_the_qr_page_rates_a_case_without_signing_in(client, world, case):
    url = f"/rate/{tokens.case_token(case.pk)}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert world.item.published_version.name in html and "办事效率" in html  # online set
    assert 'name="rater_phone"' not in html  # the case names the rater
    answer = client.post(url, {"level": 1, "score_efficiency": 2, "comment": "等太久"})
    assert answer.status_code == 302
    rating = Rating.objects.get(case=case)
    assert rating.channel == Channel.QR and rating.level == 1 and rating.comment == "等太久"
    assert rating.scores == {"overall": 1, "efficiency": 2}
    assert rating.rater == world.citizen
    # back on the page: already rated, no form
    again = client.get(url).content.decode()
    assert 'data-testid="rated"' in again and "非常不满意" in again
    assert 'data-testid="rating-form"' not in again


def test_the_sms_link_is_channel_sms(client, case):
    client.post(f"/rate/{tokens.case_token(case.pk)}/?via=sms", {"level": 5})
    assert Rating.objects.get(case=case).channel == Channel.SMS


def test_a_second_post_of_the_page_is_refused(client, case):
    url = f"/rate/{tokens.case_token(case.pk)}/"
    s.rating_for_case(case=case, channel=Channel.PORTAL, level=5, actor=case.applicant.user)
    answer = client.post(url, {"level": 1})
    assert answer.status_code == 200  # the page, already rated; nothing stored
    assert Rating.objects.filter(case=case).count() == 1
    assert Rating.objects.get(case=case).level == 5


def test_a_missing_level_is_a_form_error(client, case):
    answer = client.post(f"/rate/{tokens.case_token(case.pk)}/", {"comment": "x"})
    assert answer.status_code == 422
    assert not Rating.objects.exists()


def test_a_case_not_concluded_says_so(client, world):
    from yiwang.cases import services as cases

    draft = cases.case_create(
        item=world.item, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )
    html = client.get(f"/rate/{tokens.case_token(draft.pk)}/").content.decode()
    assert "尚未办结" in html and 'data-testid="rating-form"' not in html


def test_a_window_qr_asks_for_optional_contact_and_thanks(client, world):
    window = world.clerk.window
    url = f"/rate/{tokens.window_token(window.pk)}/"
    html = client.get(url).content.decode()
    assert 'name="rater_phone"' in html and "服务态度" in html  # offline set
    answer = client.post(url, {"level": 4, "rater_phone": "1380013"})
    assert answer.status_code == 422 and "手机号码" in answer.content.decode()
    answer = client.post(url, {"level": 4, "rater_phone": "13800138000", "rater_name": "赵六"})
    assert answer.status_code == 302 and answer["Location"].endswith("/rate/thanks/")
    rating = Rating.objects.get(window=window)
    assert rating.rater_phone.reveal() == "13800138000"


def test_the_public_page_is_rate_limited_per_address(client, world, settings):
    settings.YIWANG_RATE_LIMIT_RATING_PER_ADDRESS = 2
    url = f"/rate/{tokens.window_token(world.clerk.window.pk)}/"
    assert client.post(url, {"level": 5}).status_code == 302
    assert client.post(url, {"level": 5}).status_code == 302
    answer = client.post(url, {"level": 5})
    assert answer.status_code == 429 and answer["Retry-After"]
    assert Rating.objects.count() == 2


# --- 我的办件 ---------------------------------------------------------------------------------


def test_the_case_page_offers_rating_then_shows_it(world, case):
    client = citizen_client(world)
    detail = client.get(f"/my/cases/{case.pk}/").content.decode()
    assert 'data-testid="rate-case"' in detail
    answer = client.post(
        f"/my/ratings/case/{case.pk}/", {"level": 4, "anonymous": "on", "comment": "不错"}
    )
    assert answer.status_code == 302 and answer["Location"] == f"/my/cases/{case.pk}/"
    rating = Rating.objects.get(case=case)
    assert rating.channel == Channel.PORTAL and rating.anonymous and rating.rater is None
    detail = client.get(f"/my/cases/{case.pk}/").content.decode()
    assert 'data-testid="rate-case"' not in detail
    assert re.search(r'case-rating-level">满意<', detail)


def test_a_case_not_concluded_has_no_rating_box(world):
    from yiwang.cases import services as cases

    draft = cases.case_create(
        item=world.item, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )
    detail = citizen_client(world).get(f"/my/cases/{draft.pk}/").content.decode()
    assert 'data-testid="case-rating"' not in detail


def test_another_citizens_case_is_404(world, case):
    client = Client()
    client.force_login(world.stranger.user)
    assert client.get(f"/my/ratings/case/{case.pk}/").status_code == 404
    assert client.post(f"/my/ratings/case/{case.pk}/", {"level": 1}).status_code == 404
    assert not Rating.objects.exists()


def test_the_rating_page_needs_sign_in(client, case):
    answer = client.get(f"/my/ratings/case/{case.pk}/")
    assert answer.status_code == 302 and "sign-in" in answer["Location"]


# --- the workbench ------------------------------------------------------------------------------


def test_the_rating_list_shows_the_scope_only(world, case):
    s.rating_for_case(case=case, channel=Channel.QR, level=2, comment="态度差")
    s.rating_for_window(
        window=world.other_clerk.window, channel=Channel.QR, level=5, comment="公安窗口好"
    )
    client = Client()
    client.force_login(world.head.user)  # 县市场监督管理局's department admin
    html = client.get("/workbench/evaluations/").content.decode()
    assert "态度差" in html and "公安窗口好" not in html
    bad_only = client.get("/workbench/evaluations/?bad=1").content.decode()
    assert "态度差" in bad_only
    # a phone is masked on the list
    assert "13800138000" not in html


def test_a_window_clerk_may_not_read_the_list(world):
    client = Client()
    client.force_login(world.clerk.user)
    assert client.get("/workbench/evaluations/").status_code == 403


def test_hotline_entry_by_the_bureau(world, case):
    bureau = f.staff(
        world.dept.__class__.objects.get(is_bureau=True), ["bureau_admin"], username="hotline"
    )
    client = Client()
    client.force_login(bureau.user)
    page = client.get("/workbench/evaluations/hotline/", {"case_number": case.number})
    assert page.status_code == 200 and 'data-testid="rating-form"' in page.content.decode()
    missing = client.get("/workbench/evaluations/hotline/", {"case_number": "nope"})
    assert "没有找到编号为 nope 的办件" in missing.content.decode()
    answer = client.post(f"/workbench/evaluations/hotline/?case_number={case.number}", {"level": 3})
    assert answer.status_code == 302
    rating = Rating.objects.get(case=case)
    assert rating.channel == Channel.HOTLINE and rating.entered_by == bureau.user
    again = client.get("/workbench/evaluations/hotline/", {"case_number": case.number})
    assert 'data-testid="rated"' in again.content.decode()


def test_hotline_entry_is_refused_to_a_department_admin(world, case):
    client = Client()
    client.force_login(world.head.user)
    assert client.get("/workbench/evaluations/hotline/").status_code == 403


@pytest.mark.parametrize("kind", ["approval", "refusal"])
def test_a_decision_notice_carries_the_rating_qr(world, kind):
    from yiwang.cases import notices

    case = concluded_case(world)
    notice = case.notices.get(kind="approval")
    notice.kind = kind
    context = notices.notice_context(notice)
    assert str(context["rating_qr"]).startswith("data:image/svg+xml")


def test_other_notices_carry_none(world, case):
    from yiwang.cases import notices

    notice = case.notices.get(kind="acceptance")
    assert notices.notice_context(notice)["rating_qr"] == ""


def test_the_window_codes_page_prints_a_working_qr_per_window_of_the_scope(world, monkeypatch):
    import time

    from django.core import signing

    from yiwang.catalog.guides.pdf import qr_svg_data_uri

    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now)  # the same second: the same token

    client = Client()
    client.force_login(world.head.user)  # 县市场监督管理局: its own 专窗 only
    html = client.get("/workbench/evaluations/window-codes/").content.decode()
    own = world.clerk.window
    assert qr_svg_data_uri(tokens.rating_url(tokens.window_token(own.pk))) in html
    assert (
        qr_svg_data_uri(tokens.rating_url(tokens.window_token(world.other_clerk.window.pk)))
        not in html
    )
    assert Client().get(tokens.rating_path(tokens.window_token(own.pk))).status_code == 200
