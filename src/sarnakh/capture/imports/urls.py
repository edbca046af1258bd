from django.urls import path

from sarnakh.capture.imports import views

app_name = "capture"
urlpatterns = [
    path("imports/", views.import_list, name="list"),
    path("imports/upload/", views.import_upload, name="upload"),
    path("imports/<int:import_id>/", views.import_detail, name="detail"),
    path("imports/<int:import_id>/mapping/", views.import_mapping, name="mapping"),
    path("imports/<int:import_id>/progress/", views.import_progress, name="progress"),
    path("imports/<int:import_id>/cancel/", views.import_cancel, name="cancel"),
    path("imports/<int:import_id>/resume/", views.import_resume, name="resume"),
    path("imports/<int:import_id>/start/", views.import_start_for_real, name="start"),
    path("imports/<int:import_id>/errors.csv", views.import_errors_csv, name="errors_csv"),
    path("exports/contacts.csv", views.export_contacts, name="export_contacts"),
]
