"""Settings pages for tracking: sites and retention, the channel rule table."""

from django.urls import path

from sarnakh.tracking import site_views

urlpatterns = [
    path("settings/tracking/", site_views.settings_sites, name="settings_sites"),
    path("settings/tracking/<int:site_id>/", site_views.settings_site, name="settings_site"),
    path("settings/channels/", site_views.settings_channels, name="settings_channels"),
]
