"""Subscriptions' routes: public u/<token>, p/<token>, p/confirm/<token>; staff mail/suppressions/."""

from django.urls import path

from sarnakh.mail.subscriptions import public_views, views

app_name = "subscriptions"
urlpatterns = [
    path("u/<str:token>", public_views.one_click, name="one_click"),
    path("p/confirm/<str:token>", public_views.confirm, name="confirm"),
    path("p/<str:token>", public_views.preferences, name="preferences"),
    path("mail/suppressions/", views.suppressions, name="suppressions"),
]
