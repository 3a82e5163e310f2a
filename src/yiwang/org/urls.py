from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("password/", views.password_change, name="password-change"),
    path("citizen/sign-in/", views.citizen_sign_in, name="citizen-sign-in"),
    path("citizen/register/", views.citizen_register, name="citizen-register"),
    path("staff/", views.staff_list, name="staff-list"),
    path("staff/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("windows/", views.window_list, name="window-list"),
    path("applicants/", views.applicant_list, name="applicant-list"),
    path("applicants/<int:pk>/", views.applicant_detail, name="applicant-detail"),
]
