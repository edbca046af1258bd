"""Email templates' staff pages: the list, a new template, the editor, delete, and the
editor's live preview (htmx)."""

from django.urls import path

from sarnakh.mail.content import views
from sarnakh.mail.content.blocks import views as block_views

app_name = "email_templates"
urlpatterns = [
    path("email/templates/", views.template_list, name="list"),
    path("email/templates/new/", views.template_new, name="new"),
    path("email/templates/preview/", views.template_preview, name="preview"),
    path("email/templates/<int:template_id>/", views.template_edit, name="edit"),
    path("email/templates/<int:template_id>/delete/", views.template_delete, name="delete"),
    # The block editor (mail/content/blocks/): block templates and saved blocks.
    path("email/templates/new/blocks/", block_views.template_new, name="new_blocks"),
    path("email/templates/preview/blocks/", block_views.template_preview, name="preview_blocks"),
    path("email/templates/<int:template_id>/to-html/", block_views.template_to_html, name="to_html"),
    path("email/saved-blocks/", block_views.saved_block_list, name="saved_list"),
    path("email/saved-blocks/new/", block_views.saved_block_new, name="saved_new"),
    path("email/saved-blocks/preview/", block_views.saved_block_preview, name="saved_preview"),
    path("email/saved-blocks/<int:saved_block_id>/", block_views.saved_block_edit, name="saved_edit"),
    path("email/saved-blocks/<int:saved_block_id>/delete/", block_views.saved_block_delete, name="saved_delete"),
]
