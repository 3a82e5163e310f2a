"""GeoReport v2 under /open311/v2/ (included by the root URLconf)."""

from django.urls import re_path

from . import views

app_name = "open311"

FORMAT = r"\.(?P<format>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FORMAT, views.DiscoveryView.as_view(), name="discovery"),
    re_path(r"^services" + FORMAT, views.ServiceListView.as_view(), name="services"),
    re_path(
        r"^services/(?P<code>[^/]+?)" + FORMAT,
        views.ServiceDefinitionView.as_view(),
        name="service",
    ),
    re_path(r"^requests" + FORMAT, views.RequestsView.as_view(), name="requests"),
    re_path(
        r"^requests/(?P<pk>[^/]+?)" + FORMAT, views.RequestDetailView.as_view(), name="request"
    ),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FORMAT, views.TokenView.as_view(), name="token"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not-found"),
]
