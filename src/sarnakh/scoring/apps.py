from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "sarnakh.scoring"
    label = "scoring"
    verbose_name = _("Lead scoring")

    def ready(self) -> None:
        from sarnakh.scoring import contact_list, contact_page  # noqa: F401 - registers what scoring shows on the contact page and list
