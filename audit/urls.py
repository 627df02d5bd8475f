"""The auditor workspace (mounted at /audit/ by tracing.urls)."""

from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="events"),
    path("cases/<uuid:case_id>/", views.case_story, name="case"),
    path("persons/", views.person_access, name="person"),
    path("export/", views.export, name="export"),
    path("exports/<uuid:job_id>/", views.export_status, name="export_status"),
    path("exports/<uuid:job_id>/download/", views.export_download, name="export_download"),
    path("verification/", views.verification, name="verification"),
]
