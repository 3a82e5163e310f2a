"""The workbench's licence pages (namespace "licenses", mounted at /workbench/licenses/): 用证 on
a case, 证照库 (licences, licence types, seal keys) and 证照归集."""

from django.urls import path

from yiwang.licenses.views import gathering, workbench

app_name = "licenses"
urlpatterns = [
    path("cases/<int:case_pk>/", workbench.case_licenses, name="case"),
    path("uses/<int:pk>/file/", workbench.use_file, name="use-file"),
    path("", workbench.license_list, name="list"),
    path("<int:pk>/", workbench.license_detail, name="detail"),
    path("<int:pk>/status/", workbench.license_status, name="status"),
    path("<int:pk>/file/", workbench.license_file, name="file"),
    path("<int:pk>/pdf/", workbench.license_pdf, name="pdf"),
    path("types/", workbench.type_list, name="types"),
    path("types/<int:pk>/links/", workbench.type_links, name="type-links"),
    path("gather/", gathering.gather, name="gather"),
    path("gather/template/", gathering.template_download, name="gather-template"),
    path("gather/jobs/<int:pk>/", gathering.job_page, name="gather-job"),
    path("gather/jobs/<int:pk>/status/", gathering.job_status, name="gather-job-status"),
    path("seal-keys/", workbench.seal_keys, name="seal-keys"),
    path(
        "seal-keys/<int:department_pk>/rotate/", workbench.seal_key_rotate, name="seal-key-rotate"
    ),
]
