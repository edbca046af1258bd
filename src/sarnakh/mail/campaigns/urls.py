"""Broadcast campaigns' staff pages: the list, the composer, review (test send, schedule),
progress (htmx polling; pause, resume, cancel), the report and who opened and clicked."""

from django.urls import path

from sarnakh.mail.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("email/campaigns/", views.campaign_list, name="list"),
    path("email/campaigns/new/", views.campaign_new, name="new"),
    path("email/campaigns/<int:campaign_id>/edit/", views.campaign_edit, name="edit"),
    path("email/campaigns/<int:campaign_id>/delete/", views.campaign_delete, name="delete"),
    path("email/campaigns/<int:campaign_id>/review/", views.campaign_review, name="review"),
    path("email/campaigns/<int:campaign_id>/test/", views.campaign_send_test, name="send_test"),
    path("email/campaigns/<int:campaign_id>/schedule/", views.campaign_schedule, name="schedule"),
    path("email/campaigns/<int:campaign_id>/progress/", views.campaign_progress, name="progress"),
    path("email/campaigns/<int:campaign_id>/pause/", views.campaign_control, {"action": "pause"}, name="pause"),
    path("email/campaigns/<int:campaign_id>/resume/", views.campaign_control, {"action": "resume"}, name="resume"),
    path("email/campaigns/<int:campaign_id>/cancel/", views.campaign_control, {"action": "cancel"}, name="cancel"),
    path("email/campaigns/<int:campaign_id>/report/", views.campaign_report, name="report"),
    path("email/campaigns/<int:campaign_id>/recipients/", views.campaign_recipients, name="recipients"),
    path("email/campaigns/<int:campaign_id>/recipients.csv", views.campaign_recipients_csv, name="recipients_csv"),
]
