"""URLs for the load test: the service's own URLs plus /bench/minimal/ (benchmarks only)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def minimal(request: HttpRequest) -> HttpResponse:
    """The smallest Django view: the baseline the load test's ratio is measured against."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/minimal/", minimal),
    path("", include("tracing.urls")),
]
