"""/relatives/: the caseworker's panel for the public pages of a case (not under /status/,
whose paths are exempt from two-factor verification)."""

from django.urls import path

from tracing.public import staff_views as views

app_name = "public_staff"

urlpatterns = [
    path("cases/<uuid:case_id>/", views.panel, name="panel"),
    path("cases/<uuid:case_id>/enquirer/issue/", views.enquirer_issue, name="enquirer_issue"),
    path("cases/<uuid:case_id>/enquirer/revoke/", views.enquirer_revoke, name="enquirer_revoke"),
    path("cases/<uuid:case_id>/found/<uuid:person_id>/issue/", views.found_issue, name="found_issue"),
    path("cases/<uuid:case_id>/found/<uuid:person_id>/revoke/", views.found_revoke, name="found_revoke"),
    path("cases/<uuid:case_id>/submissions/<uuid:submission_id>/", views.submission_review, name="submission"),
    path("cases/<uuid:case_id>/submissions/<uuid:submission_id>/photo/", views.submission_photo, name="photo"),
    path("cases/<uuid:case_id>/messages/<uuid:message_id>/", views.relay_review, name="relay"),
]
