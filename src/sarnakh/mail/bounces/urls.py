"""Bounces' routes: the public ESP tracking webhook mail/esp/<esp>/tracking/."""

from django.urls import path

from sarnakh.mail.bounces import public_views

app_name = "bounces"
urlpatterns = [
    path("mail/esp/<slug:esp>/tracking/", public_views.esp_tracking, name="esp_tracking"),
]
