"""Routes for forms: the staff pages under /forms/ and the public pages under /f/."""

from django.urls import path

from sarnakh.capture.forms import public_views, views

app_name = "forms"
urlpatterns = [
    path("forms/", views.form_list, name="list"),
    path("forms/new/", views.form_new, name="new"),
    path("forms/preview/", views.form_preview, name="preview"),
    path("forms/<slug:slug>/", views.form_detail, name="detail"),
    path("forms/<slug:slug>/edit/", views.form_edit, name="edit"),
    path("forms/<slug:slug>/submissions.csv", views.submissions_csv, name="submissions_csv"),
    path("forms/<slug:slug>/submissions/<int:submission_id>/retry/", views.submission_retry, name="retry"),
    path("forms/<slug:slug>/submissions/<int:submission_id>/release/", views.submission_release, name="release"),
    path("forms/<slug:slug>/retry-failed/", views.retry_failed, name="retry_failed"),
    path("f/<slug:slug>", public_views.hosted_form, name="hosted"),
    path("f/<slug:slug>/thanks", public_views.hosted_thanks, name="thanks"),
    path("f/<slug:slug>/embed.js", public_views.embed_js, name="embed_js"),
]
