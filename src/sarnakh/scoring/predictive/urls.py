"""Staff pages: predictive (owned by its own views module)."""

from django.urls import path

from sarnakh.scoring.predictive import views

urlpatterns: list = [
    path("scoring/predictive/", views.predictive, name="predictive"),
    path("scoring/predictive/train/", views.predictive_train, name="predictive_train"),
    path("scoring/predictive/schedule/", views.predictive_schedule, name="predictive_schedule"),
]
