"""Staff pages: backtest (owned by its own views module)."""

from django.urls import path

from sarnakh.scoring.backtest import views

urlpatterns: list = [
    path("scoring/backtest/", views.backtest, name="backtest"),
]
