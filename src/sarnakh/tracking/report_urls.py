"""Staff pages reading tracked behaviour."""

from django.urls import path

from sarnakh.tracking import report_views

urlpatterns = [
    path("tracking/live/", report_views.live, name="live"),
    path("tracking/pages/", report_views.pages, name="pages"),
]
