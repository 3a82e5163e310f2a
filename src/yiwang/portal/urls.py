from django.http import HttpRequest, HttpResponse
from django.urls import path

app_name = "portal"


def home(request: HttpRequest) -> HttpResponse:  # replaced by the portal pages
    return HttpResponse("portal")


urlpatterns = [path("", home, name="home")]
