"""Hall URLs for citizens and the hall's display (namespace "hall-portal", at /hall/)."""

from django.urls import path

from yiwang.hall.views import portal

app_name = "hall-portal"
urlpatterns = [
    path("book/", portal.book, name="book"),
    path("book/<int:pk>/", portal.book_slot, name="book-slot"),
    path("my/", portal.mine, name="mine"),
    path("my/<str:code>/cancel/", portal.cancel, name="cancel"),
    path("screen/<int:pk>/", portal.screen, name="screen"),
]
