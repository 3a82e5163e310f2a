"""Root URL configuration: portal at /, staff workbench at /workbench/, API at /api/."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from yiwang.common.api import api_root
from yiwang.org import views as org_views
from yiwang.org.api.views import obtain_token


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def healthz_json(request: HttpRequest) -> JsonResponse:
    """The same check as JSON: the bare Django JSON view the API benchmarks measure against."""
    return JsonResponse({"status": "ok"})


admin.site.site_header = "一网 · 主数据管理"
admin.site.site_title = "一网管理"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("healthz.json", healthz_json, name="healthz-json"),
    # The API first: its calls are the most frequent and need not try every page pattern.
    path("api/cases/", include("yiwang.cases.api.urls")),
    path("api/", api_root, name="api-root"),
    path("api/auth/token/", obtain_token, name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Split view: the Swagger UI's start-up script is a separate request, not an inline script
    # (Content-Security-Policy), and the page template has no inline style.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("api/org/", include("yiwang.org.api.urls")),
    path("api/workdays/", include("yiwang.workdays.api.urls")),
    path("api/audit/", include("yiwang.audit.api.urls")),
    path("api/catalog/", include("yiwang.catalog.api.urls")),
    path("api/hall/", include("yiwang.hall.api.urls")),
    path("api/evaluations/", include("yiwang.evaluations.api.urls")),
    path("api/licenses/", include("yiwang.licenses.api.urls")),
    # Open311 GeoReport v2 (yiwang.open311): its own formats and errors, as the spec says.
    path("open311/v2/", include("yiwang.open311.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", org_views.admin_sign_in, name="admin-sign-in"),  # rate-limited
    path("admin/", admin.site.urls),
    path("accounts/", include("yiwang.org.urls")),
    path("workbench/catalog/quality/", include("yiwang.catalog.urls.quality")),
    path("workbench/catalog/import/", include("yiwang.catalog.urls.transfer")),
    path("workbench/catalog/", include("yiwang.catalog.urls.workbench")),
    path("workbench/audit/", include("yiwang.audit.urls")),
    path("workbench/cases/", include("yiwang.cases.urls.workbench")),
    path("workbench/windows/", include("yiwang.windows.urls")),
    path("workbench/hall/", include("yiwang.hall.urls.workbench")),
    path("workbench/appeals/", include("yiwang.appeals.urls.workbench")),
    path(
        "workbench/evaluations/rectification/",
        include("yiwang.evaluations.rectification.urls.workbench"),
    ),
    path("workbench/evaluations/", include("yiwang.evaluations.urls.workbench")),
    path("workbench/licenses/", include("yiwang.licenses.urls.workbench")),
    path("workbench/insight/report/", include("yiwang.insight.report.urls")),
    path("workbench/insight/dashboard/", include("yiwang.insight.dashboard_urls")),
    path("workbench/insight/", include("yiwang.insight.urls")),
    path("workbench/", include("yiwang.workbench.urls")),
    path("guide/", include("yiwang.catalog.urls.guide")),
    path("my/cases/", include("yiwang.cases.urls.portal")),
    path("my/appeals/", include("yiwang.appeals.urls.portal")),
    path("my/licenses/", include("yiwang.licenses.urls.portal")),
    path("messages/", include("yiwang.notifications.urls")),
    path("hall/", include("yiwang.hall.urls.portal")),
    path("my/ratings/", include("yiwang.evaluations.urls.portal")),
    path("rate/", include("yiwang.evaluations.urls.public")),
    path("licenses/", include("yiwang.licenses.urls.public")),
    path("cases/files/", include("yiwang.cases.urls.files")),
    path("follow-up/", include("yiwang.evaluations.rectification.urls.public")),
    path("", include("yiwang.portal.urls")),
]

# Errors in Chinese, in the portal or workbench shell; JSON under /api/ (yiwang.common.errors).
handler400 = "yiwang.common.errors.bad_request"
handler403 = "yiwang.common.errors.permission_denied"
handler404 = "yiwang.common.errors.page_not_found"
handler500 = "yiwang.common.errors.server_error"
