"""API endpoints of the partners app (under /api/v1/partners/): signed requests only."""

from django.urls import path

from partners import api

urlpatterns = [
    path("requests/", api.RequestsApi.as_view(), name="partners-api-requests"),
    path("requests/<uuid:request_id>/", api.RequestDetailApi.as_view(), name="partners-api-request-detail"),
    path("requests/<uuid:request_id>/answer/", api.RequestAnswerApi.as_view(), name="partners-api-request-answer"),
    path("webhooks/", api.WebhooksApi.as_view(), name="partners-api-webhooks"),
    path("webhooks/<uuid:subscription_id>/", api.WebhookDetailApi.as_view(), name="partners-api-webhook-detail"),
]
