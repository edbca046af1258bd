"""Staff: send a test of a template to oneself."""

from django.urls import path

from sarnakh.mail.transactional import views

app_name = "email_send"
urlpatterns = [
    path("email/templates/<int:template_id>/test/", views.template_test_send, name="template_test"),
]
