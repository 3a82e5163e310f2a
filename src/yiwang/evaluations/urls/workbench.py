"""Workbench rating pages (namespace "evaluations", mounted at /workbench/evaluations/)."""

from django.urls import path

from yiwang.evaluations.views import workbench

app_name = "evaluations"
urlpatterns = [
    path("", workbench.rating_list, name="list"),
    path("hotline/", workbench.hotline, name="hotline"),
    path("window-codes/", workbench.window_codes, name="window-codes"),
]
