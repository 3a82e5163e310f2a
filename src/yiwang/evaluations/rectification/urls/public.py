"""The citizen's follow-up page (namespace "rectification-public", mounted at /follow-up/)."""

from django.urls import path

from yiwang.evaluations.rectification import views

app_name = "rectification-public"
urlpatterns = [
    path("<str:token>/", views.rate_fix, name="rate-fix"),
]
