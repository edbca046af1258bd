"""Settings pages for tracking: sites and retention, the channel rule table."""

from django.urls import path

from sarnakh.tracking.sites import views

urlpatterns = [
    path("settings/tracking/", views.settings_sites, name="settings_sites"),
    path("settings/tracking/<int:site_id>/", views.settings_site, name="settings_site"),
    path("settings/channels/", views.settings_channels, name="settings_channels"),
]
