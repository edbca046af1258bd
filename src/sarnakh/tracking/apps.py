from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "sarnakh.tracking"
    label = "tracking"
    verbose_name = _("Behaviour tracking")

    def ready(self) -> None:
        from sarnakh.core.middleware import register_body_limit
        from sarnakh.tracking import (
            contact_page,  # noqa: F401 - registers what tracking shows on the contact page
            ingest,
        )

        # A batch may carry up to 500 events in 500 KB; the generic API limit is smaller.
        register_body_limit("/api/v1/events", ingest.MAX_BATCH_BYTES + 1024)
