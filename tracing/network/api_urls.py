from django.urls import path

from tracing.network import api

urlpatterns = [
    path("requests/", api.SendApi.as_view(), name="network-api-send"),
    path("requests/sent/", api.SentListApi.as_view(), name="network-api-sent"),
    path("requests/received/", api.ReceivedListApi.as_view(), name="network-api-received"),
    path("requests/<uuid:request_id>/", api.DetailApi.as_view(), name="network-api-detail"),
    path("requests/<uuid:request_id>/accept/", api.AcceptApi.as_view(), name="network-api-accept"),
    path("requests/<uuid:request_id>/decline/", api.DeclineApi.as_view(), name="network-api-decline"),
    path("requests/<uuid:request_id>/answer/", api.AnswerApi.as_view(), name="network-api-answer"),
    path("requests/<uuid:request_id>/close/", api.CloseApi.as_view(), name="network-api-close"),
    path("requests/<uuid:request_id>/revoke/", api.RevokeApi.as_view(), name="network-api-revoke"),
]
