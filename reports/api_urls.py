"""API endpoints of the reports app (under /api/v1/reports/)."""

from django.urls import path

from reports import api

urlpatterns: list = [
    path("office/", api.OfficeDashboardApi.as_view(), name="reports-api-office"),
    path("network/", api.NetworkDashboardApi.as_view(), name="reports-api-network"),
]
