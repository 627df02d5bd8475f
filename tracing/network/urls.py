from django.urls import path

from tracing.network import views

app_name = "network"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("send/<uuid:case_id>/", views.send, name="send"),
    path("requests/<uuid:request_id>/", views.detail, name="detail"),
    path("requests/<uuid:request_id>/accept/", views.step_view("accept"), name="accept"),
    path("requests/<uuid:request_id>/decline/", views.step_view("decline"), name="decline"),
    path("requests/<uuid:request_id>/answer/", views.step_view("answer"), name="answer"),
    path("requests/<uuid:request_id>/close/", views.step_view("close"), name="close"),
    path("requests/<uuid:request_id>/revoke/", views.step_view("revoke"), name="revoke"),
]
