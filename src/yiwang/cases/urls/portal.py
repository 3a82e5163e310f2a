"""Case URLs: the citizen portal (namespace "cases-portal", mounted at /my/cases/)."""

from django.urls import path

from yiwang.cases.views import bundles, portal

app_name = "cases-portal"
urlpatterns = [
    path("", portal.case_list, name="list"),
    path("apply/<str:code>/", portal.apply, name="apply"),
    path("bundles/apply/<str:code>/", bundles.apply, name="bundle-apply"),
    path("bundles/<int:pk>/", bundles.detail, name="bundle-detail"),
    path("<int:pk>/", portal.detail, name="detail"),
    path("<int:pk>/edit/", portal.edit, name="edit"),
    path("<int:pk>/resubmit/", portal.resubmit, name="resubmit"),
    path("<int:pk>/withdraw/", portal.withdraw, name="withdraw"),
    path("<int:pk>/pay/", portal.pay, name="pay"),
]
