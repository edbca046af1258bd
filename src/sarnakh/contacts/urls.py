"""Staff UI routes for contacts (/contacts/) and companies (/companies/)."""

from django.urls import include, path

from sarnakh.contacts import company_views, merge_views, views

contact_patterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_new, name="new"),
    path("bulk/", views.contact_bulk, name="bulk"),
    path("<int:contact_id>/", views.contact_detail, name="detail"),
    path("<int:contact_id>/fields/<str:name>/", views.contact_field, name="field"),
    path("<int:contact_id>/stage/", views.contact_stage, name="stage"),
    path("<int:contact_id>/timeline/", views.contact_timeline, name="timeline"),
    path("<int:contact_id>/notes/", views.contact_note_add, name="note_add"),
    path("<int:contact_id>/merge/", merge_views.contact_merge, name="merge"),
    path("<int:contact_id>/delete/", views.contact_delete, name="delete"),
]

company_patterns = [
    path("", company_views.company_list, name="list"),
    path("new/", company_views.company_new, name="new"),
    path("<int:company_id>/", company_views.company_detail, name="detail"),
    path("<int:company_id>/fields/<str:name>/", company_views.company_field, name="field"),
    path("<int:company_id>/notes/", company_views.company_note_add, name="note_add"),
]

urlpatterns = [
    path("contacts/", include((contact_patterns, "contacts"))),
    path("companies/", include((company_patterns, "companies"))),
]
