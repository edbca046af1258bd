from sarnakh.tracking import snippet_urls
from sarnakh.tracking.reports import attribution_urls
from sarnakh.tracking.reports import urls as report_urls
from sarnakh.tracking.sites import urls as site_urls

app_name = "tracking"
urlpatterns = [
    *snippet_urls.urlpatterns,
    *site_urls.urlpatterns,
    *report_urls.urlpatterns,
    *attribution_urls.urlpatterns,
]
