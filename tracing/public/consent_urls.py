"""/consent/: the found person's consent page."""

from django.urls import path

from tracing.public import views

app_name = "public_consent"

urlpatterns = [
    path("", views.consent_sign_in, name="login"),
    path("answer/", views.consent_home, name="home"),
    path("answer/withdraw/", views.consent_withdraw, name="withdraw"),
    path("answer/message/", views.consent_message, name="message"),
    path("sign-out/", views.consent_sign_out, name="logout"),
]
