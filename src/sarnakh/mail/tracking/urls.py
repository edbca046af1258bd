"""Tracking's public routes: e/c/<token> (click redirect) and e/o/<token>.gif (open pixel).
links.CLICK_PATH and links.OPEN_PATH build the same paths (tests hold them equal)."""

from django.urls import path

from sarnakh.mail.tracking import public_views

app_name = "mail_tracking"
urlpatterns = [
    path("e/c/<str:token>", public_views.click, name="click"),
    path("e/o/<str:token>.gif", public_views.pixel, name="pixel"),
]
