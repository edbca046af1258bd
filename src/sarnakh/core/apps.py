from importlib import import_module

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sarnakh.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.conf import settings
        from django.utils.module_loading import autodiscover_modules

        # Every app's domain events and its reactions to them (core.events): declared in
        # <app>/events.py and <app>/subscribers.py, found here as Django finds admin modules.
        autodiscover_modules("events", "subscribers")
        # What filter conditions can test (core.filters.fields): <app>/filter_fields.py.
        autodiscover_modules("filter_fields")
        # Site-specific modules (SARNAKH_PLUGINS) register their own events and subscribers.
        for module in settings.SARNAKH_PLUGINS:
            import_module(module)
