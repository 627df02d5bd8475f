"""/status/: the enquirer's status page."""

from django.urls import path

from tracing.public import views

app_name = "public_status"

urlpatterns = [
    path("", views.status_sign_in, name="login"),
    path("case/", views.status_home, name="home"),
    path("case/contact/", views.status_contact, name="contact"),
    path("case/information/", views.status_info, name="info"),
    path("case/message/", views.status_message, name="message"),
    path("sign-out/", views.status_sign_out, name="logout"),
]
