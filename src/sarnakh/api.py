"""The REST API root at /api/v1/: builds the one NinjaAPI and adds every app's routers.

Nothing else lives here: auth, the parser and the error shape are in core.api, which the
routers import (they never import this module)."""

from __future__ import annotations

from sarnakh.capture.forms.api import router as forms_router
from sarnakh.capture.imports.api import export_router as contacts_export_router
from sarnakh.capture.imports.api import router as imports_router
from sarnakh.contacts.api import router as contacts_router
from sarnakh.contacts.api_companies import router as companies_router
from sarnakh.contacts.api_settings import router as settings_router
from sarnakh.core.api import SarnakhAPI, StrictJsonParser, read_auth
from sarnakh.scoring.api import router as scoring_router
from sarnakh.scoring.backtest.api import router as scoring_backtest_router
from sarnakh.scoring.distribution_api import router as scoring_distribution_router
from sarnakh.scoring.predictive.api import router as scoring_predictive_router
from sarnakh.tracking.api import router as events_router
from sarnakh.tracking.reports.api import router as tracking_reports_router
from sarnakh.tracking.reports.attribution_api import router as attribution_router
from sarnakh.tracking.sites.api import router as sites_router

api = SarnakhAPI(
    parser=StrictJsonParser(),
    title="Sarnakh API",
    version="1",
    description="Leads, companies, lifecycle stages and timelines. Authenticate with `Authorization: Bearer <key>` (create keys in Settings → API keys or with `sarnakh apikey create`).",
    auth=read_auth,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

# The order routers are added in is the order of the OpenAPI document's paths.
api.add_router("/contacts", contacts_router)
api.add_router("/companies", companies_router)
api.add_router("/", settings_router)
api.add_router("/imports", imports_router)
api.add_router("/contacts", contacts_export_router)
api.add_router("/forms", forms_router)
api.add_router("/", events_router)
api.add_router("/", sites_router)
api.add_router("/", tracking_reports_router)
api.add_router("/", attribution_router)
api.add_router("/", scoring_router)
api.add_router("/", scoring_predictive_router)
api.add_router("/", scoring_backtest_router)
api.add_router("/", scoring_distribution_router)

from sarnakh.core.event_log_api import router as event_log_router  # noqa: E402

api.add_router("/", event_log_router)

from sarnakh.webhooks.api import router as webhooks_router  # noqa: E402

api.add_router("/webhooks", webhooks_router)

from sarnakh.mail.delivery.api import router as senders_router  # noqa: E402

api.add_router("/senders", senders_router)

from sarnakh.segments.api import router as segments_router  # noqa: E402

api.add_router("/segments", segments_router)

from sarnakh.segments.audiences.api import router as audiences_router  # noqa: E402

api.add_router("/audiences", audiences_router)

from sarnakh.segments.hygiene.api import router as hygiene_router  # noqa: E402

api.add_router("/hygiene", hygiene_router)

from sarnakh.mail.content.api import router as email_templates_router  # noqa: E402

api.add_router("/email-templates", email_templates_router)

from sarnakh.mail.transactional.api import router as emails_router  # noqa: E402

api.add_router("/emails", emails_router)
from sarnakh.mail.content.blocks.api import router as email_saved_blocks_router  # noqa: E402

api.add_router("/email-saved-blocks", email_saved_blocks_router)

from sarnakh.mail.subscriptions.api import router as suppressions_router  # noqa: E402
from sarnakh.mail.subscriptions.api import subscriptions_router  # noqa: E402

api.add_router("/suppressions", suppressions_router)
api.add_router("/subscriptions", subscriptions_router)

from sarnakh.mail.campaigns.api import router as campaigns_router  # noqa: E402

api.add_router("/campaigns", campaigns_router)
