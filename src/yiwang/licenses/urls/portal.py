"""我的证照 (namespace "licenses-portal", mounted at /my/licenses/)."""

from django.urls import path

from yiwang.licenses.views import portal

app_name = "licenses-portal"
urlpatterns = [
    path("", portal.license_list, name="list"),
    path("<int:pk>/", portal.license_detail, name="detail"),
    path("<int:pk>/file/", portal.license_file, name="file"),
    path("<int:pk>/pdf/", portal.license_pdf, name="pdf"),
]
