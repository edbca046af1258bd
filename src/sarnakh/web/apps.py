from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sarnakh.web"
    label = "web"
    verbose_name = "Web"
