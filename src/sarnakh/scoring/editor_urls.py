"""Staff pages: the models, the rule editor, versions, re-score progress, distribution."""

from django.urls import path

from sarnakh.scoring import editor_views

urlpatterns = [
    path("scoring/", editor_views.models_list, name="models"),
    path("scoring/distribution/", editor_views.score_distribution, name="distribution"),
    path("scoring/preview/", editor_views.model_preview, name="preview"),
    path("scoring/models/new/", editor_views.model_new, name="new"),
    path("scoring/models/<slug:key>/", editor_views.model_edit, name="edit"),
    path("scoring/models/<slug:key>/versions/", editor_views.model_versions, name="versions"),
    path("scoring/models/<slug:key>/versions/<int:number>/", editor_views.model_version, name="version"),
    path("scoring/rescores/<int:run_id>/", editor_views.rescore_progress, name="rescore"),
]
