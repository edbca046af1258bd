from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sarnakh.core"
    label = "core"
    verbose_name = "Core"
