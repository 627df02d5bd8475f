"""The auditor workspace (mounted at /audit/ by tracing.urls)."""

from django.urls import path

app_name = "audit"

urlpatterns: list = []
