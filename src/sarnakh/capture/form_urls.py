"""Routes for forms: the staff pages under /forms/ and the public pages under /f/."""

from django.urls import path

from sarnakh.capture import form_public_views, form_views

app_name = "forms"
urlpatterns = [
    path("forms/", form_views.form_list, name="list"),
    path("forms/new/", form_views.form_new, name="new"),
    path("forms/preview/", form_views.form_preview, name="preview"),
    path("forms/<slug:slug>/", form_views.form_detail, name="detail"),
    path("forms/<slug:slug>/edit/", form_views.form_edit, name="edit"),
    path("forms/<slug:slug>/submissions.csv", form_views.submissions_csv, name="submissions_csv"),
    path("forms/<slug:slug>/submissions/<int:submission_id>/retry/", form_views.submission_retry, name="retry"),
    path("forms/<slug:slug>/retry-failed/", form_views.retry_failed, name="retry_failed"),
    path("f/<slug:slug>", form_public_views.hosted_form, name="hosted"),
    path("f/<slug:slug>/thanks", form_public_views.hosted_thanks, name="thanks"),
    path("f/<slug:slug>/embed.js", form_public_views.embed_js, name="embed_js"),
]
