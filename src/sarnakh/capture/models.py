"""The capture app's tables, defined by its sub-packages: forms (forms, raw submissions,
views, notifications, rate windows) and imports (contact imports and their row errors).
Django registers models from an app's `models` module; these imports put them there,
under the app label `capture`, exactly as before the sub-packages existed."""

from sarnakh.capture.forms.models import (
    Form,
    FormNotification,
    FormRateWindow,
    FormSubmission,
    FormView,
)
from sarnakh.capture.imports.models import ContactImport, ImportRowError

__all__ = ["ContactImport", "Form", "FormNotification", "FormRateWindow", "FormSubmission", "FormView", "ImportRowError"]
