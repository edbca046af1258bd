"""Opt-in's route: the public confirmation page o/<token> (double opt-in links)."""

from django.urls import path

from sarnakh.mail.optin import public_views

app_name = "optin"
urlpatterns = [
    path("o/<str:token>", public_views.confirm, name="confirm"),
]
