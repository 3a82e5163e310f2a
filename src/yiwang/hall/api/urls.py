"""Hall API (namespace "hall-api", mounted at /api/hall/)."""

from rest_framework.routers import SimpleRouter

from yiwang.hall.api import views

app_name = "hall-api"

router = SimpleRouter()
router.register("groups", views.GroupViewSet, basename="groups")
router.register("slots", views.SlotViewSet, basename="slots")
router.register("bookings", views.BookingViewSet, basename="bookings")
router.register("halls", views.HallViewSet, basename="halls")
router.register("windows", views.WindowViewSet, basename="windows")

urlpatterns = router.urls
