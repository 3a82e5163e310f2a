"""org.decorators.staff_page: the one decorator the catalogue and audit pages use."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from tests import factories as f
from yiwang.audit import views as audit_views
from yiwang.catalog.views import workbench as catalog_views
from yiwang.org.decorators import staff_page
from yiwang.org.models import ApplicantKind
from yiwang.org.services import applicant_register

TEMPLATE = "audit/forbidden.html"


def _request(user):  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/workbench/x/")
    request.user = user
    return request


def _citizen():  # type: ignore[no-untyped-def]
    return applicant_register(
        kind=ApplicantKind.PERSON,
        name="王五",
        phone="13800000041",
        id_number=f.id_number(),
        password=f.PASSWORD,
    ).user


def test_staff_pass_others_are_told_why(db):
    @staff_page(not_staff="仅供工作人员。", template=TEMPLATE, may=lambda u: u.username == "ok",
                not_allowed="没有权限。")  # fmt: skip
    def view(request):  # type: ignore[no-untyped-def]
        return HttpResponse("inside")

    dept = f.department("县甲局")
    allowed = f.staff(dept, username="ok").user
    other = f.staff(dept, username="other").user
    assert view(_request(allowed)).content == b"inside"
    refused = view(_request(other))
    assert refused.status_code == 403 and "没有权限。" in refused.content.decode()
    citizen = view(_request(_citizen()))
    assert citizen.status_code == 403 and "仅供工作人员。" in citizen.content.decode()


def test_anonymous_is_sent_to_sign_in(db):
    from django.contrib.auth.models import AnonymousUser

    view = staff_page(not_staff="x", template=TEMPLATE)(lambda request: HttpResponse("inside"))
    response = view(_request(AnonymousUser()))
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_a_service_refusal_shows_its_message_or_the_translated_fallback(db):
    clerk = f.staff(f.department("县甲局")).user

    def refuse(message: str):  # type: ignore[no-untyped-def]
        def view(request):  # type: ignore[no-untyped-def]
            raise PermissionDenied(message)

        return staff_page(not_staff="x", template=TEMPLATE)(view)

    assert (
        "该事项不在您的数据范围内。"
        in refuse("该事项不在您的数据范围内。")(_request(clerk)).content.decode()
    )
    assert "您没有执行该操作的权限。" in refuse("")(_request(clerk)).content.decode()
    with translation.override("en"):
        assert "You are not allowed to do this." in refuse("")(_request(clerk)).content.decode()


def test_catalogue_and_audit_pages_use_it(client, db):
    # Both are wrapped by org.decorators.staff_page (inside login_required)...
    for view in (catalog_views.item_list, audit_views.event_list):
        assert view.__code__.co_filename.endswith("django/contrib/auth/decorators.py")
        inner = view.__wrapped__
        assert inner.__code__.co_filename.endswith("yiwang/org/decorators.py")
    # ...with their own messages, unchanged.
    client.force_login(_citizen())
    catalog = client.get("/workbench/catalog/items/")
    assert catalog.status_code == 403 and "事项库仅供工作人员使用。" in catalog.content.decode()
    audit = client.get("/workbench/audit/")
    assert audit.status_code == 403 and "审计日志仅供工作人员使用。" in audit.content.decode()


def _signed_in_views():  # type: ignore[no-untyped-def]
    """(URL name, view) of every page that requires signing in."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, namespace):  # type: ignore[no-untyped-def]
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                view = pattern.callback
                if view.__code__.co_filename.endswith("django/contrib/auth/decorators.py"):
                    yield f"{namespace}{pattern.name}", view

    yield from walk(get_resolver().url_patterns, "")


# Pages for every kind of account (citizens too), so they check signing in only.
FOR_EVERY_ACCOUNT = {
    "org:password-change",
    "notifications:list",  # a user's own messages, in his own shell (workbench or portal)
    "notifications:mark-read",
}
# The citizen portal's case, appointment, rating, ticket and licence pages are for applicants
# only, through their one decorator.
APPLICANT_PAGES = "yiwang/cases/views/portal.py"
APPLICANT_NAMESPACES = (
    "cases-portal:",
    "hall-portal:",
    "evaluations-portal:",
    "appeals-portal:",
    "licenses-portal:",
)


def test_every_signed_in_staff_page_uses_the_one_decorator():
    found = dict(_signed_in_views())
    assert "catalog-quality:report" in found and "catalog-import:page" in found
    assert "org:staff-list" in found and "workbench:home" in found
    others = {
        name
        for name, view in found.items()
        if name not in FOR_EVERY_ACCOUNT
        if not view.__wrapped__.__code__.co_filename.endswith("yiwang/org/decorators.py")
        if not (
            name.startswith(APPLICANT_NAMESPACES)
            and view.__wrapped__.__code__.co_filename.endswith(APPLICANT_PAGES)
        )
    }
    assert others == set()


def test_a_citizen_is_refused_the_org_pages_and_sent_from_the_workbench_home(client, db):
    client.force_login(_citizen())
    staff_list = client.get(reverse("org:staff-list"))
    assert staff_list.status_code == 403
    assert "您没有权限执行此操作。" in staff_list.content.decode()
    home = client.get(reverse("workbench:home"))
    assert home.status_code == 302 and home["Location"] == reverse("portal:home")
    quality = client.get(reverse("catalog-quality:report"))
    assert quality.status_code == 403 and "事项库仅供工作人员使用。" in quality.content.decode()
