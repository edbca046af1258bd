from sarnakh.tracking import attribution_urls, report_urls, site_urls, snippet_urls

app_name = "tracking"
urlpatterns = [
    *snippet_urls.urlpatterns,
    *site_urls.urlpatterns,
    *report_urls.urlpatterns,
    *attribution_urls.urlpatterns,
]
