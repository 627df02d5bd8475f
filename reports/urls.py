"""Pages of the reports app."""

from django.urls import path

from reports import views

app_name = "reports"
urlpatterns: list = [
    path("", views.office_dashboard, name="office"),
    path("network/", views.network_dashboard, name="network"),
    path("exports/", views.export_page, name="exports"),
]
