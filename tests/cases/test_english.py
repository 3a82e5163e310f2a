"""The case pages read in English: the workbench queues and case pages (every demo case, as the
clerk and the approver) and the citizen's 我的办件 pages show the case vocabulary — statuses,
actions, channels, delivery, payment, notice kinds, history lines — in English, with no Chinese
left in the chrome once the data (names, materials, form values, notes) is taken out.

The labels themselves stay Chinese where they are defined: the API answers with them by
default, and the stored history keeps them as written."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import translation

from tests.seeded import demo_county
from tests.test_locale import _strings, chrome_left, data_strings
from yiwang.cases import fields as case_fields
from yiwang.cases.models import Case, CaseEvent
from yiwang.cases.workflow import CASE
from yiwang.org.models import Applicant, User

# Text the pages show as it was entered or recorded (not the vocabulary): history notes, the
# applicant's form values, addresses, correction entries, reasons, notice numbers.
_CASE_DATA_EXCLUDED = {("caseevent", "label"), ("caseevent", "action")}


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo_county()
        yield
        transaction.set_rollback(True)


def _case_data() -> list[str]:
    found: set[str] = set()
    for model in apps.get_app_config("cases").get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and (model._meta.model_name, f.name) not in _CASE_DATA_EXCLUDED
        ]
        for row in model._base_manager.all():
            found.update(_strings([getattr(row, f.attname) for f in fields]))
    for case in Case.objects.all():
        found.update(_strings(case.form_data or {}))
        found.update(_strings(case.delivery_address or {}))
    return list(found)


def _data() -> list[str]:
    return sorted({*data_strings(), *_case_data()}, key=len, reverse=True)


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _read(client, urls: dict[str, str], data: list[str]) -> dict[str, list[str]]:
    left = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        html = response.content.decode()
        assert '<html lang="en"' in html, (name, url)
        leftover = chrome_left(html, data)
        if leftover:
            left[name] = leftover
    return left


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["scjg_clerk", "scjg_approver", "bureau"])
def test_the_case_workbench_in_english(county, english, username):
    english.force_login(User.objects.get(username=username))
    urls = {"index": reverse("cases:index")}
    for key in ("intake", "correction", "review", "warning", "overdue", "hand_out", "unpaid"):
        urls[f"queue {key}"] = reverse("cases:queue", args=[key])
    urls["queue archive"] = reverse("cases:queue", args=["archive"])
    for case in Case.objects.exclude(status="draft").order_by("pk"):
        if english.get(reverse("cases:detail", args=[case.pk])).status_code == 200:
            urls[f"case {case.number} ({case.status})"] = reverse("cases:detail", args=[case.pk])
    assert any(name.startswith("case ") for name in urls)
    left = _read(english, urls, _data())
    assert left == {}, f"Chinese left in the English case workbench for {username}: {left}"


@pytest.mark.django_db
def test_the_citizens_case_pages_in_english(county, english):
    pages = 0
    data = _data()
    for applicant in Applicant.objects.filter(user__isnull=False).order_by("pk"):
        cases = Case.objects.filter(applicant=applicant).order_by("pk")
        if not cases.exists():
            continue
        english.force_login(applicant.user)
        urls = {"list": reverse("cases-portal:list")}
        for case in cases:
            urls[f"case {case.number} ({case.status})"] = reverse(
                "cases-portal:detail", args=[case.pk]
            )
        pages += len(urls)
        left = _read(english, urls, data)
        assert left == {}, f"Chinese left in {applicant.name}'s English case pages: {left}"
    assert pages >= 3


# --- The vocabulary and the messages -------------------------------------------------------


def test_every_label_of_the_case_vocabulary_reads_in_english():
    """Every choice label of cases.fields, every transition and every word the services write
    into the history has an English translation: a label added without one fails here."""
    from yiwang.cases import services
    from yiwang.cases.presenters import EVENT_WORDS

    labels = {
        str(label)
        for value in vars(case_fields).values()
        if isinstance(value, type) and issubclass(value, models.Choices)
        for label in value.labels
    }
    labels |= {t.label for t in CASE.transitions.values()} | {CASE.what}
    labels |= set(services.ACTION_LABELS.values())
    assert set(services.ACTION_LABELS.values()) <= set(EVENT_WORDS) | {
        t.label for t in CASE.transitions.values()
    }
    with translation.override("en"):
        untranslated = sorted(label for label in labels if translation.gettext(label) == label)
    assert untranslated == []


@pytest.mark.django_db
def test_the_labels_stay_chinese_where_they_are_defined(county):
    """The API, the stored history and the notices keep the Chinese words."""
    with translation.override("en"):
        assert str(case_fields.CaseStatus.SUBMITTED.label) == "待受理"
        assert CASE.transitions["accept"].label == "受理"
        assert CASE.label("in_review") == "审查中"
    assert CaseEvent.objects.filter(label="受理").exists()


@pytest.mark.django_db
def test_a_workbench_case_page_reads_in_english_and_stays_chinese_by_default(county, client):
    # the demo's first case (the demo 一件事's children are submitted online too; ids, and so
    # numbers, depend on what ran before on PostgreSQL)
    case = (
        Case.objects.filter(status="submitted", channel="online", bundle_case__isnull=True)
        .order_by("pk")
        .first()
    )
    assert case is not None
    url = reverse("cases:detail", args=[case.pk])
    client.force_login(User.objects.get(username="scjg_clerk"))
    chinese = client.get(url).content.decode()
    assert ">受理</button>" in chinese and ">不予受理</button>" in chinese
    assert "待受理" in chinese and "创建申请" in chinese and "网上" in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert ">Accept</button>" in english and ">Refuse to accept</button>" in english
    assert "Awaiting acceptance" in english and "Application created" in english
    assert "Draft → Awaiting acceptance" in english  # the history's from → to
    assert "Online" in english and "Collect at the window" in english
    assert "受理" not in chinese_left_of(english)


def chinese_left_of(html: str) -> str:
    return " ".join(chrome_left(html, _data()))


@pytest.mark.django_db
def test_the_citizens_case_page_reads_in_english(county, english):
    applicant = Applicant.objects.get(name="张三")
    case = Case.objects.get(applicant=applicant, status="correction")
    english.force_login(applicant.user)
    html = english.get(reverse("cases-portal:detail", args=[case.pk])).content.decode()
    assert "Correction requested" in html  # the status tag and the timeline
    assert "Notice of correction" in html  # the notice's kind
    assert "Request a correction (all at once)" in html  # the history line
    assert "补正告知书" not in html and "待补正" not in html
    listing = english.get(reverse("cases-portal:list")).content.decode()
    assert "Awaiting acceptance" in listing and "待受理" not in listing


@pytest.mark.django_db
def test_a_case_not_found_says_so_in_english_and_the_api_in_chinese(county, english, client):
    english.force_login(User.objects.get(username="scjg_clerk"))
    missing = (Case.objects.order_by("-pk").first().pk or 0) + 1000
    page = english.get(reverse("cases:detail", args=[missing]))
    assert page.status_code == 404
    assert "No such case." in page.content.decode()
    assert "未找到该办件" not in page.content.decode()
    citizen = Applicant.objects.get(name="张三").user
    english.force_login(citizen)
    portal = english.get(reverse("cases-portal:detail", args=[missing]))
    assert portal.status_code == 404 and "No such case." in portal.content.decode()
    # the API answers in Chinese: other systems read its exact messages
    client.force_login(citizen)
    api = client.get(f"/api/cases/{missing}/")
    assert api.status_code == 404 and api.json()["detail"] == "未找到该办件。"


@pytest.mark.django_db
def test_a_refused_action_and_a_conflict_read_in_english(county, english):
    english.force_login(User.objects.get(username="scjg_clerk"))
    case = Case.objects.get(status="in_review")
    url = reverse("cases:act", args=[case.pk, "accept"])
    conflict = english.post(url, {"seen_status": "submitted", "accept-note": ""})
    assert conflict.status_code == 409
    html = conflict.content.decode()
    assert "Another staff member handled this case first (it is now “Under review”)" in html
    assert "Case is “Under review”: “Accept” is not possible." in html
    assert chrome_left(html, _data()) == []
    # a page for the window only: the clerk's role is named in English
    english.force_login(User.objects.get(username="grid"))
    refused = english.get(reverse("cases:index"))
    assert refused.status_code == 403
    assert "Your role may not see cases." in refused.content.decode()
