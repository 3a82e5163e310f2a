from django.urls import path

from yiwang.insight import views

app_name = "insight"

urlpatterns = [
    path("", views.figures, name="figures"),
    path("<str:key>/", views.drill_down, name="drill-down"),
]
