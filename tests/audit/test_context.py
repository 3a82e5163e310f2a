"""The audit context set by the middleware: who acts and from where."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from yiwang.audit.context import client_address_from_request, current_audit_context
from yiwang.audit.middleware import AuditContextMiddleware
from yiwang.audit.services import audit_change


def test_user_authenticated_inside_the_view_is_the_actor(people, make_region):
    """DRF token authentication sets request.user in the view, after the middleware ran."""
    region = make_region()
    user = people.bureau_admin.user
    written = []

    def view(request):
        request.user = user  # what DRF's Request.user setter does after authenticating
        written.append(audit_change(action="t.api", obj=region, after={"n": 1}))
        return HttpResponse()

    request = RequestFactory().get("/api/x/", REMOTE_ADDR="198.51.100.4")
    request.user = AnonymousUser()
    AuditContextMiddleware(view)(request)
    assert (written[0].actor_id, written[0].actor_label) == (user.pk, "bureau_admin")
    assert written[0].client_address == "198.51.100.4"


def test_anonymous_request_is_system_with_its_address(db, make_region):
    region = make_region()
    written = []

    def view(request):
        written.append(audit_change(action="t.anon", obj=region, after={"n": 1}))
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.5")
    request.user = AnonymousUser()
    AuditContextMiddleware(view)(request)
    assert (written[0].actor_id, written[0].actor_label) == (None, "system")
    assert written[0].client_address == "198.51.100.5"


def test_context_ends_with_the_request():
    def view(request):
        assert current_audit_context().client_address == "198.51.100.6"
        return HttpResponse()

    AuditContextMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR="198.51.100.6"))
    assert current_audit_context().client_address == ""
    assert current_audit_context().user is None


def test_forwarded_address_only_behind_the_proxy(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1"
    )
    settings.YIWANG_TRUST_X_FORWARDED_FOR = False
    assert client_address_from_request(request) == "10.0.0.1"
    settings.YIWANG_TRUST_X_FORWARDED_FOR = True
    assert client_address_from_request(request) == "203.0.113.9"
