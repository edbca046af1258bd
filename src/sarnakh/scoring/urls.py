"""Staff pages of scoring under /scoring/: each part keeps its own url module."""

from sarnakh.scoring.backtest import urls as backtest_urls
from sarnakh.scoring.editor import urls as editor_urls
from sarnakh.scoring.predictive import urls as predictive_urls

app_name = "scoring"
urlpatterns = [
    *editor_urls.urlpatterns,  # models, editor, versions, re-score progress, distribution
    *backtest_urls.urlpatterns,
    *predictive_urls.urlpatterns,
]
