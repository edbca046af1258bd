"""Settings → Webhooks (admins)."""

from django.urls import path

from sarnakh.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("settings/webhooks/", views.settings_webhooks, name="settings_list"),
    path("settings/webhooks/new/", views.settings_webhook_new, name="settings_new"),
    path("settings/webhooks/<int:webhook_id>/", views.settings_webhook, name="settings_detail"),
]
