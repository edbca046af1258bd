from django.urls import path

from sarnakh.tracking.reports import attribution_views

urlpatterns = [
    path("tracking/attribution/", attribution_views.attribution_page, name="attribution"),
]
