"""Rating pages of the citizen portal (namespace "evaluations-portal", mounted at /my/ratings/)."""

from django.urls import path

from yiwang.evaluations.views import portal

app_name = "evaluations-portal"
urlpatterns = [
    path("case/<int:pk>/", portal.rate_case, name="rate-case"),
]
