from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "sarnakh.segments"
    label = "segments"
    verbose_name = _("Segments")

    def ready(self) -> None:
        from sarnakh.core.lists import install_list_provider
        from sarnakh.segments import contact_page  # noqa: F401 - registers the membership timeline kinds
        from sarnakh.segments.selectors import static_list_choices

        install_list_provider(static_list_choices)
