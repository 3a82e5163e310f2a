from django.urls import include, path
from rest_framework.routers import SimpleRouter

from yiwang.catalog.api import views

app_name = "catalog-api"

router = SimpleRouter()
router.register("items", views.PublishedItemViewSet, basename="items")
router.register("bundles", views.BundleViewSet, basename="bundles")
router.register("manage/items", views.ManagedItemViewSet, basename="manage-items")
router.register("manage/versions", views.VersionViewSet, basename="manage-versions")

urlpatterns = [
    path("", views.root, name="root"),
    path("search/", views.search, name="search"),
    path("", include(router.urls)),
]
