"""API v1 routes (included at /api/v1/ by tracing.urls)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from cases.api.views import AttachmentViewSet, CaseViewSet, PersonViewSet, TokenObtainView

router = DefaultRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("persons", PersonViewSet, basename="person")
router.register("attachments", AttachmentViewSet, basename="attachment")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    *router.urls,
]
