"""Settings → Senders (admins)."""

from django.urls import path

from sarnakh.mail.delivery import views

app_name = "mail_delivery"
urlpatterns = [
    path("settings/senders/", views.settings_senders, name="settings_list"),
    path("settings/senders/new/", views.settings_sender_new, name="settings_new"),
    path("settings/senders/<int:sender_id>/", views.settings_sender, name="settings_detail"),
]
