from django.http import HttpRequest, HttpResponse
from django.urls import path

app_name = "workdays-api"


def root(request: HttpRequest) -> HttpResponse:  # replaced by the app's API
    return HttpResponse(status=204)


urlpatterns = [path("", root, name="root")]
