"""API endpoints of the exchange app (under /api/v1/exchange/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
