"""Staff pages of scoring under /scoring/: each part keeps its own url module."""

from sarnakh.scoring import backtest_urls, editor_urls, predictive_urls

app_name = "scoring"
urlpatterns = [
    *editor_urls.urlpatterns,  # models, editor, versions, re-score progress, distribution
    *backtest_urls.urlpatterns,
    *predictive_urls.urlpatterns,
]
