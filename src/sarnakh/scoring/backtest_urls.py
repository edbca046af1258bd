"""Staff pages: backtest (owned by its own views module)."""

from django.urls import path

from sarnakh.scoring import backtest_views

urlpatterns: list = [
    path("scoring/backtest/", backtest_views.backtest, name="backtest"),
]
