"""Front desk URLs (namespace "windows", mounted at /workbench/windows/)."""

from django.urls import path

from yiwang.windows import views

app_name = "windows"
urlpatterns = [
    path("", views.day, name="day"),
    path("hand-out/", views.hand_out_queue, name="hand-out-queue"),
    path("hand-out/<int:pk>/", views.hand_out, name="hand-out"),
    path("back-office/", views.back_office, name="back-office"),
]
