from django.urls import path

from . import views

app_name = "workdays-api"

urlpatterns = [
    path("", views.WorkdaysRootView.as_view(), name="root"),
    path("add", views.AddWorkingDaysView.as_view(), name="add"),
    path("between", views.WorkingDaysBetweenView.as_view(), name="between"),
    path("years/", views.CalendarYearListView.as_view(), name="years"),
    path("years/<str:year>/", views.CalendarYearDetailView.as_view(), name="year"),
]
