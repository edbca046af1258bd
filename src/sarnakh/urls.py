from django.urls import include, path

from sarnakh.api import api
from sarnakh.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Staff UI: contacts and companies keep their own namespaces ("contacts:", "companies:").
    path("", include("sarnakh.contacts.urls")),
    path("", include("sarnakh.capture.imports.urls")),  # imports/…, exports/…
    path("", include("sarnakh.capture.forms.urls")),  # forms/… (staff), f/<slug> (public)
    path("", include("sarnakh.tracking.urls")),  # t/… snippet, tracking/… staff pages
    path("", include("sarnakh.scoring.urls")),  # scoring/… models, distribution, backtest, predictive
    path("", include("sarnakh.segments.urls")),  # segments/… segments and static lists
    path("", include("sarnakh.webhooks.urls")),  # settings/webhooks/…
    path("", include("sarnakh.mail.delivery.urls")),  # settings/senders/…
    path("", include("sarnakh.segments.audiences.urls")),  # audiences/…, segments/<id>/audiences/
    path("", include("sarnakh.segments.hygiene.urls")),  # hygiene/… duplicates, inactive, decay, flags
    path("", include("sarnakh.mail.content.urls")),  # email/templates/… email templates and their editor
    path("", include("sarnakh.mail.transactional.urls")),  # email/templates/<id>/test/ a test to oneself
    path("", include("sarnakh.mail.subscriptions.urls")),  # u/… p/… public unsubscribe, mail/suppressions/
    path("", include("sarnakh.mail.optin.urls")),  # o/… public double opt-in confirmation
    path("", include("sarnakh.mail.tracking.urls")),  # e/c/… e/o/… public click redirect and open pixel
    path("", include("sarnakh.mail.bounces.urls")),  # mail/esp/<esp>/tracking/ ESP webhooks (anymail)
    path("", include("sarnakh.mail.campaigns.urls")),  # email/campaigns/… composer, review, progress, report
    path("", include("sarnakh.web.urls")),
]
