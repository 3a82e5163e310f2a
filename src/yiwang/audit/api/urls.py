from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "audit-api"

router = SimpleRouter()
router.register("events", views.AuditEventViewSet, basename="events")

urlpatterns = [
    path("", views.root, name="root"),
    path("", include(router.urls)),
]
