"""The public tracker script the snippet loads (URL name `tracking:script`)."""

from django.urls import path

from sarnakh.tracking import snippet_views

urlpatterns = [
    path("t/sarnakh.js", snippet_views.tracker_script, name="script"),
]
