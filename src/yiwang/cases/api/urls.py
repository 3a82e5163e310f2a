"""Case API (namespace "cases-api", mounted at /api/cases/)."""

from rest_framework.routers import SimpleRouter

from yiwang.cases.api import bundles, views

app_name = "cases-api"

router = SimpleRouter()
router.register("bundles", bundles.BundleCaseViewSet, basename="bundles")
router.register("", views.CaseViewSet, basename="cases")

urlpatterns = router.urls
