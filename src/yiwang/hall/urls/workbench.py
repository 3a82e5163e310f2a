"""Hall URLs of the workbench (namespace "hall", at /workbench/hall/)."""

from django.urls import path

from yiwang.hall.views import workbench

app_name = "hall"
urlpatterns = [
    path("", workbench.index, name="index"),
    path("call-next/", workbench.call_next, name="call-next"),
    path("finish/", workbench.finish, name="finish"),
    path("take/", workbench.take, name="take"),
    path("check-in/", workbench.check_in, name="check-in"),
    path("figures/", workbench.figures, name="figures"),
    path("slots/", workbench.slots, name="slots"),
]
