"""Email templates' staff pages: the list, a new template, the editor, delete, and the
editor's live preview (htmx)."""

from django.urls import path

from sarnakh.mail.content import views

app_name = "email_templates"
urlpatterns = [
    path("email/templates/", views.template_list, name="list"),
    path("email/templates/new/", views.template_new, name="new"),
    path("email/templates/preview/", views.template_preview, name="preview"),
    path("email/templates/<int:template_id>/", views.template_edit, name="edit"),
    path("email/templates/<int:template_id>/delete/", views.template_delete, name="delete"),
]
