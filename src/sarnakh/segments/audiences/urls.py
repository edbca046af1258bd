"""Retargeting audiences: staff pages under /audiences/ and /segments/<id>/audiences/, and
the public fetch URL /audiences/feed/<id>/<token>.csv."""

from django.urls import path

from sarnakh.segments.audiences import views

app_name = "audiences"
urlpatterns = [
    path("audiences/", views.audience_list, name="list"),
    path("segments/<int:segment_id>/audiences/", views.segment_audiences, name="segment"),
    path("audiences/<int:audience_id>/", views.audience_detail, name="detail"),
    path("audiences/<int:audience_id>/download/", views.audience_download, name="download"),
    path("audiences/feed/<int:audience_id>/<str:token>.csv", views.audience_feed, name="feed"),
]
