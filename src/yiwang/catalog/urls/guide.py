"""Public guide URLs, mounted at /guide/. Stable by code: a guide's address never changes."""

from django.urls import path

from yiwang.catalog.views import files as file_views
from yiwang.catalog.views import guide as views

app_name = "guide"
urlpatterns = [
    path("item/<str:code>/", views.item_guide, name="item"),
    path("item/<str:code>/pdf", views.item_guide_pdf, name="item-pdf"),
    path("item/<str:code>/v<int:number>/", views.item_guide_version, name="item-version"),
    path(
        "item/<str:code>/v<int:number>/pdf",
        views.item_guide_version_pdf,
        name="item-version-pdf",
    ),
    path("bundle/<str:code>/", views.bundle_guide, name="bundle"),
    path("bundle/<str:code>/notice/", views.bundle_notice, name="bundle-notice"),
    path("bundle/<str:code>/pdf", views.bundle_notice_pdf, name="bundle-pdf"),
    path(
        "material/<int:pk>/<slug:which>",
        file_views.material_file,
        name="material-file",
    ),
    path("result/<int:pk>/sample", file_views.result_sample, name="result-sample"),
]
