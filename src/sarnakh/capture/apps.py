from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024


class CaptureConfig(AppConfig):
    name = "sarnakh.capture"
    label = "capture"
    verbose_name = _("Lead capture")

    def ready(self) -> None:
        from django.conf import settings

        from sarnakh.capture import contact_page  # noqa: F401 - registers what capture shows on the contact page
        from sarnakh.core.middleware import register_body_limit, register_raw_intake_path

        # File uploads stream to disk, so these paths take much larger bodies than the API.
        limit = getattr(settings, "SARNAKH_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)
        register_body_limit("/api/v1/imports", limit)
        register_body_limit("/imports/", limit)
        # The hosted form stores what a visitor sent and cleans it itself (core.storable).
        register_raw_intake_path("/f/")
