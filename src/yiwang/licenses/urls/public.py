"""The public verification page (namespace "licenses-public", mounted at /licenses/)."""

from django.urls import path

from yiwang.licenses.views import public

app_name = "licenses-public"
urlpatterns = [
    path("verify/<str:identifier>/", public.verify, name="verify"),
]
