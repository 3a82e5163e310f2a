from django.urls import path

from yiwang.catalog.views import search as search_views

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", search_views.search, name="search"),
]
