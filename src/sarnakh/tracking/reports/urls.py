"""Staff pages reading tracked behaviour."""

from django.urls import path

from sarnakh.tracking.reports import views

urlpatterns = [
    path("tracking/live/", views.live, name="live"),
    path("tracking/pages/", views.pages, name="pages"),
]
