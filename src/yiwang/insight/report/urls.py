from django.urls import path

from yiwang.insight.report import views

app_name = "insight-report"

urlpatterns = [
    path("", views.report, name="report"),
]
