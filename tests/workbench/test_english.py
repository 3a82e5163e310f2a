"""The staff workbench read in English: every demo staff role, every workbench page, no Chinese
left in the chrome (labels, help texts, filter choices, element names, quality findings, scope
and model names, messages). Data — names, materials, addresses, audit summaries and the
catalogue's own vocabulary (choice labels) — is taken out first, as in tests/test_locale.py.

Chinese stays the default: the same pages without the cookie are Chinese."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from tests.seeded import demo_county
from tests.test_locale import _strings, chrome_left, data_strings
from yiwang.audit.models import AuditEvent
from yiwang.catalog import services
from yiwang.catalog.models import ServiceItem, ServiceItemVersion, VersionStatus
from yiwang.catalog.transfer.spec import SHEETS
from yiwang.demo.county import STAFF_SIGN_INS
from yiwang.org.models import Applicant, Staff, User

ROLES = [username for username, *_ in STAFF_SIGN_INS]


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    """The demo county, with one revision of a market-supervision item submitted for review
    (so that the review page has a diff) and one left as a draft (so that the edit page has a
    version to edit)."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_county()
        compiler = User.objects.get(username="scjg_admin")
        department = Staff.objects.get(user=compiler).department
        items = ServiceItem.objects.filter(
            department=department, published_version__isnull=False
        ).order_by("code")
        submitted, draft = items[0], items[1]
        version = services.version_start_revision(item=submitted, actor=compiler)
        services.version_update(
            version=version,
            elements={"promised_limit": max(version.promised_limit - 1, 0), "hours": "工作日"},
            reason="压缩承诺时限",
            actor=compiler,
        )
        services.version_submit(version=version, actor=compiler)
        services.version_start_revision(item=draft, actor=compiler)
        yield
        transaction.set_rollback(True)


def _pages(user: User) -> dict[str, str]:
    """The workbench pages, with objects the user may see (their department's, or the
    market-supervision bureau's for region-wide roles)."""
    staff = Staff.objects.select_related("department").get(user=user)
    items = ServiceItem.objects.filter(department=staff.department, published_version__isnull=False)
    if not items.exists():
        items = ServiceItem.objects.filter(
            department__name="县市场监督管理局", published_version__isnull=False
        )
    item = items.order_by("code").first()
    assert item is not None
    submitted = (
        item.versions.model.objects.filter(status=VersionStatus.SUBMITTED).order_by("pk").first()
    )
    draft = item.versions.model.objects.filter(status=VersionStatus.DRAFT).order_by("pk").first()
    assert submitted is not None and draft is not None
    event = AuditEvent.objects.order_by("-sequence").first()
    applicant = Applicant.objects.order_by("pk").first()
    assert event is not None and applicant is not None
    return {
        "home": reverse("workbench:home"),
        "item list": reverse("catalog:item-list"),
        "item list, filtered": reverse("catalog:item-list") + "?status=published&q=登记",
        "item detail": reverse("catalog:item-detail", args=[item.pk]),
        "version detail": reverse("catalog:version-detail", args=[item.published_version_id]),
        "submitted version": reverse("catalog:version-detail", args=[submitted.pk]),
        "version edit": reverse("catalog:version-edit", args=[draft.pk]),
        "review list": reverse("catalog:review-list"),
        "review with diff": reverse("catalog:version-review", args=[submitted.pk]),
        "claim": reverse("catalog:claim") + "?q=登记",
        "quality report": reverse("catalog-quality:report"),
        "quality figures": reverse("catalog-quality:figures"),
        "import": reverse("catalog-import:page"),
        "audit": reverse("audit:event-list"),
        "audit event": reverse("audit:event-detail", args=[event.sequence]),
        "staff": reverse("org:staff-list"),
        "staff detail": reverse("org:staff-detail", args=[staff.pk]),
        "windows": reverse("org:window-list"),
        "applicants": reverse("org:applicant-list"),
        "applicant": reverse("org:applicant-detail", args=[applicant.pk]),
        "password": reverse("org:password-change"),
    }


def _audit_strings() -> list[str]:
    """What the audit trail records (who, on what, why, the values changed): data of the
    audit pages."""
    rows = AuditEvent.objects.values_list("actor_label", "object_label", "reason", "changes")
    return [text for row in rows for text in _strings(list(row))]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES)
def test_every_workbench_page_has_english_chrome_for_every_role(county, english, username):
    user = User.objects.get(username=username)
    english.force_login(user)
    # the import file's sheet names are part of its format, named as they are in every language
    sheets = [spec.title for spec in SHEETS]
    data = sorted({*data_strings(), *_audit_strings(), *sheets}, key=len, reverse=True)
    statuses, left = {}, {}
    for name, url in _pages(user).items():
        response = english.get(url)
        statuses[name] = response.status_code
        assert response.status_code in (200, 403, 404), (name, url, response.status_code)
        html = response.content.decode()
        assert '<html lang="en"' in html, (name, url)
        leftover = chrome_left(html, data)
        if leftover:
            left[name] = leftover
    assert left == {}, f"Chinese left in the English workbench for {username}: {left}"
    # every role reaches its home and the item list; the 403/404 pages above were checked too
    assert statuses["home"] == statuses["item list"] == 200


@pytest.mark.django_db
def test_the_bureau_and_a_department_admin_reach_every_page(county, english):
    """The role loop above would pass on 403 pages alone: the pages that matter are real."""
    for username, refused in [
        ("bureau", set()),
        # a department administrator neither reviews, nor reads the audit trail, nor sees
        # applicants (who are nobody's department's yet)
        ("scjg_admin", {"review list", "review with diff", "audit", "audit event", "applicant"}),
    ]:
        user = User.objects.get(username=username)
        english.force_login(user)
        got = {name: english.get(url).status_code for name, url in _pages(user).items()}
        assert {name for name, status in got.items() if status != 200} == refused, got


@pytest.mark.django_db
def test_labels_built_in_python_read_in_english(county, english):
    english.force_login(User.objects.get(username="bureau"))
    items = english.get(reverse("catalog:item-list")).content.decode()
    assert "All statuses" in items and "全部状态" not in items
    item = ServiceItem.objects.filter(published_version__isnull=False).order_by("code").first()
    version = english.get(
        reverse("catalog:version-detail", args=[item.published_version_id])
    ).content.decode()
    assert "Basic information" in version and "基本信息" not in version
    assert "Legal basis" in version and "设定和实施依据" not in version
    assert "Yes" in version or "No" in version
    quality = english.get(reverse("catalog-quality:report")).content.decode()
    assert "严重" not in quality and "一般" not in quality


@pytest.mark.django_db
def test_the_workbench_stays_chinese_by_default(county, client):
    client.force_login(User.objects.get(username="bureau"))
    items = client.get(reverse("catalog:item-list")).content.decode()
    assert "全部状态" in items and "All statuses" not in items
    item = ServiceItem.objects.filter(published_version__isnull=False).order_by("code").first()
    version = client.get(
        reverse("catalog:version-detail", args=[item.published_version_id])
    ).content.decode()
    assert "基本信息" in version and "设定和实施依据" in version
    assert "Basic information" not in version and "Legal basis" not in version


@pytest.mark.django_db
def test_refusals_and_form_errors_read_in_english(county, english):
    """What the services and forms refuse is said in English too, and the pages that say it
    keep English chrome."""
    from tests.catalog.test_views import form_data

    sheets = [spec.title for spec in SHEETS]
    data = sorted({*data_strings(), *_audit_strings(), *sheets}, key=len, reverse=True)
    english.force_login(User.objects.get(username="scjg_admin"))
    draft = ServiceItemVersion.objects.filter(status=VersionStatus.DRAFT).order_by("pk").first()
    edit = reverse("catalog:version-edit", args=[draft.pk])
    posted = form_data(english.get(edit).content.decode())
    posted.update({"legal_limit": "5", "promised_limit": "9", "reason": "test"})
    html = english.post(edit, posted).content.decode()
    assert "Not saved. Please correct the following:" in html
    assert "The promised limit may not be longer than the legal limit." in html
    assert chrome_left(html, data) == []
    posted.update({"legal_limit": "5000"})
    html = english.post(edit, posted).content.decode()
    assert "Legal limit must be between 0 and 3650 working days." in html

    compiler = User.objects.get(username="scjg_admin")
    compiler.set_password("Old-Pass-2026!")
    compiler.save()
    english.force_login(compiler)
    short = english.post(
        reverse("org:password-change"),
        {"old_password": "Old-Pass-2026!", "new_password1": "Ab1!", "new_password2": "Ab1!"},
    ).content.decode()
    assert "The password needs at least" in short
    assert chrome_left(short, data) == []

    active = (
        ServiceItem.objects.filter(department=draft.item.department, status="active")
        .exclude(pk=draft.item_id)
        .order_by("code")
        .first()
    )
    suspend = reverse("catalog:item-transition", args=[active.pk, "suspend"])
    html = english.post(suspend, {"reason": ""}, follow=True).content.decode()
    assert "Suspend: a reason is required." in html
    assert chrome_left(html, data) == []

    english.force_login(User.objects.get(username="scjg_clerk"))
    refused = english.post(suspend, {"reason": "test"})
    assert refused.status_code == 403
    assert "Your role may not “Suspend”." in refused.content.decode()

    english.force_login(User.objects.get(username="bureau"))
    submitted = ServiceItemVersion.objects.get(status=VersionStatus.SUBMITTED)
    review = reverse("catalog:version-review", args=[submitted.pk])
    html = english.post(review, {"decision": "return", "comment": ""}).content.decode()
    assert "A review comment is required when returning for changes." in html
    assert chrome_left(html, data) == []


@pytest.mark.django_db
def test_importer_messages_read_in_english(county, english):
    """The catalogue importer's per-row report and its file errors in the reader's language
    (the column headers and the catalogue's vocabulary are the file's format: Chinese); in
    Chinese by default."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    from tests.catalog.test_importing import HEADER, csv_bytes
    from yiwang.catalog.transfer.importing import catalog_import

    compiler = User.objects.get(username="scjg_admin")
    row = ["县市场监督管理局", "测试用事项", "行政许可", "二十", "5", "N", "1", "申请书"]
    data = csv_bytes([HEADER, row])
    with translation.override("en"):
        result = catalog_import(files=[("items.csv", data)], actor=compiler, dry_run=True)
        lines = [str(e) for e in result.errors]
    assert lines == [
        "items.csv, row 2, column “法定时限”: Must be a whole number of at least 0; it is “二十”."
    ]
    chinese = catalog_import(files=[("items.csv", data)], actor=compiler, dry_run=True)
    assert [e.message for e in chinese.errors] == ["应为不小于 0 的整数，现为“二十”。"]

    english.force_login(compiler)
    upload = SimpleUploadedFile("blank.csv", b"   \n", content_type="text/csv")
    page = english.post(reverse("catalog-import:page"), {"file": upload})
    assert page.status_code == 200
    assert "The file “blank.csv” is empty." in page.content.decode()


def test_validator_messages_read_in_english():
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from yiwang.common.validators import MaxTextLength, validate_id_number, validate_mobile

    def message(check, *args):
        with pytest.raises(ValidationError) as caught:
            check(*args)
        return caught.value.messages

    assert message(validate_id_number, "123") == ["居民身份证号码应为 18 位，当前为 3 位。"]
    assert message(MaxTextLength("说明", 3), "四个字符") == ["说明不能超过 3 个字符（当前 4 个）。"]
    with translation.override("en"):
        assert message(validate_id_number, "123") == [
            "Resident ID number must have 18 characters; it has 3."
        ]
        assert message(validate_mobile, "12") == [
            "Mobile number is not a valid mainland mobile number (11 digits starting with 13–19)."
        ]
        assert message(MaxTextLength("说明", 3), "四个字符") == [
            "Notes may not be longer than 3 characters (it has 4)."
        ]
