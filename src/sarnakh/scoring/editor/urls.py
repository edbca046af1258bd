"""Staff pages: the models, the rule editor, versions, re-score progress, distribution."""

from django.urls import path

from sarnakh.scoring.editor import views

urlpatterns = [
    path("scoring/", views.models_list, name="models"),
    path("scoring/distribution/", views.score_distribution, name="distribution"),
    path("scoring/preview/", views.model_preview, name="preview"),
    path("scoring/models/new/", views.model_new, name="new"),
    path("scoring/models/<slug:key>/", views.model_edit, name="edit"),
    path("scoring/models/<slug:key>/versions/", views.model_versions, name="versions"),
    path("scoring/models/<slug:key>/versions/<int:number>/", views.model_version, name="version"),
    path("scoring/rescores/<int:run_id>/", views.rescore_progress, name="rescore"),
]
