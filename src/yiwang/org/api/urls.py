from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "org-api"

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="regions")
router.register("departments", views.DepartmentViewSet, basename="departments")
router.register("halls", views.ServiceHallViewSet, basename="halls")
router.register("windows", views.WindowViewSet, basename="windows")
router.register("staff", views.StaffViewSet, basename="staff")
router.register("applicants", views.ApplicantViewSet, basename="applicants")

urlpatterns = [
    path("", views.root, name="root"),
    path("me/", views.me, name="me"),
    path("", include(router.urls)),
]
