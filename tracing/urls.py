"""Root URLs."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from tracing import accounts, health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", accounts.otp_verify, name="otp-verify"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/v1/", include("cases.api.urls")),
    path("api/v1/network/", include("tracing.network.api_urls")),
    path("api/v1/matches/", include("matching.api")),
    path("api/v1/exchange/", include("exchange.api_urls")),
    path("api/v1/partners/", include("partners.api_urls")),
    path("api/v1/reports/", include("reports.api_urls")),
    path("api/v1/privacy/", include("privacy.api_urls")),
    path("network/", include("tracing.network.urls")),
    path("exchange/", include("exchange.urls")),
    path("partners/", include("partners.urls")),
    path("reports/", include("reports.urls")),
    path("privacy/", include("privacy.urls")),
    path("audit/", include("audit.urls")),
    path("matches/", include("matching.urls")),
    path("status/", include("tracing.public.urls")),
    path("consent/", include("tracing.public.consent_urls")),
    path("relatives/", include("tracing.public.staff_urls")),
    path("", include("cases.urls")),
]
