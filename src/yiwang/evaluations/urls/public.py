"""The public rating page (namespace "evaluations-public", mounted at /rate/)."""

from django.urls import path

from yiwang.evaluations.views import public

app_name = "evaluations-public"
urlpatterns = [
    path("thanks/", public.thanks, name="thanks"),
    path("<str:token>/", public.rate, name="rate"),
]
