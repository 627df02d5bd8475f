"""Match review pages (included at /matches/ by tracing.urls)."""

from django.urls import path

from matching import views

app_name = "matching"

urlpatterns = [
    path("", views.proposal_index, name="list"),
    path("<uuid:proposal_id>/", views.proposal_detail, name="detail"),
    path("<uuid:proposal_id>/confirm/", views.proposal_confirm, name="confirm"),
    path("<uuid:proposal_id>/reject/", views.proposal_reject, name="reject"),
    path("case/<uuid:case_id>/", views.case_proposals, name="case"),
    path("case/<uuid:case_id>/find/", views.case_find_matches, name="find"),
]
