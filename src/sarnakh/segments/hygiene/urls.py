"""List hygiene's staff pages: hygiene/…"""

from django.urls import path

from sarnakh.segments.hygiene import views

app_name = "hygiene"
urlpatterns = [
    path("hygiene/", views.overview, name="overview"),
    path("hygiene/duplicates/", views.duplicates, name="duplicates"),
    path("hygiene/inactive/", views.inactive, name="inactive"),
]
