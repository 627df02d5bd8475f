"""Pages of the privacy app."""

from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns: list = [
    path("", views.index, name="index"),
    path("cases/<uuid:case_id>/hold/", views.hold_set, name="hold_set"),
    path("holds/<int:hold_id>/release/", views.hold_release, name="hold_release"),
    path("persons/<uuid:person_id>/", views.dsar, name="dsar"),
    path("persons/<uuid:person_id>/rectify/", views.dsar_rectify, name="dsar_rectify"),
    path("persons/<uuid:person_id>/export/", views.dsar_export, name="dsar_export"),
    path("persons/<uuid:person_id>/erase/", views.dsar_erase, name="dsar_erase"),
]
