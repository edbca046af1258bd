"""Segments and static lists (staff pages)."""

from django.urls import path

from sarnakh.segments import views

app_name = "segments"
urlpatterns = [
    path("segments/", views.segment_list, name="list"),
    path("segments/new/", views.segment_new, name="new"),
    path("segments/new-list/", views.list_new, name="list_new"),
    path("segments/count/", views.segment_count, name="count"),
    path("segments/<int:segment_id>/", views.segment_detail, name="detail"),
    path("segments/<int:segment_id>/edit/", views.segment_edit, name="edit"),
    path("segments/<int:segment_id>/delete/", views.segment_delete, name="delete"),
    path("segments/<int:segment_id>/refresh/", views.segment_refresh, name="refresh"),
    path("segments/<int:segment_id>/freeze/", views.segment_freeze, name="freeze"),
    path("segments/<int:segment_id>/members/", views.list_members, name="members"),
    path("segments/<int:segment_id>/members.csv", views.segment_export, name="export"),
]
