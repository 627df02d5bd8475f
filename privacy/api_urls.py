"""API endpoints of the privacy app (under /api/v1/privacy/)."""

from django.urls import path

from privacy import api

urlpatterns: list = [
    path("persons/<uuid:person_id>/export/", api.DsarExportApi.as_view(), name="privacy-api-dsar-export"),
    path("persons/<uuid:person_id>/rectify/", api.DsarRectifyApi.as_view(), name="privacy-api-dsar-rectify"),
    path("persons/<uuid:person_id>/erase/", api.DsarEraseApi.as_view(), name="privacy-api-dsar-erase"),
    path("cases/<uuid:case_id>/hold/", api.HoldSetApi.as_view(), name="privacy-api-hold-set"),
    path("holds/<int:hold_id>/release/", api.HoldReleaseApi.as_view(), name="privacy-api-hold-release"),
]
