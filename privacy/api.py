"""API of the privacy app (/api/v1/privacy/): DSAR export, rectification and erasure; legal holds.

Thin views over privacy.actions; the policy decides (an invisible person or case is a 404)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from privacy import actions
from privacy.models import HoldReason, LegalHold
from tracing.api_auth import TokenFirst

TAGS = ["privacy"]
ERRORS = {
    400: OpenApiResponse(description="Invalid input"),
    403: OpenApiResponse(description="Visible, but only the owning office's supervisors may do this"),
    404: OpenApiResponse(description="No such person or case, or not visible to you"),
}


class PrivacyApi(TokenFirst, APIView):
    """Token first, and no token for two-factor roles (`tracing.api_auth.TokenFirst`)."""


class HoldInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=HoldReason.choices)


class HoldOutput(serializers.ModelSerializer):
    case_reference = serializers.CharField(source="case.reference")

    class Meta:
        model = LegalHold
        fields = ["id", "case", "case_reference", "reason", "set_at", "released_at"]


class RectifyInput(serializers.Serializer):
    data = serializers.DictField(help_text="person fields as in PATCH /api/v1/persons/<id>/, names and places")
    expected_version = serializers.IntegerField(required=False)


class DsarExportApi(PrivacyApi):
    @extend_schema(tags=TAGS, responses={200: OpenApiTypes.OBJECT, **ERRORS},
                   summary="Everything held about a person (data subject access request); audited")
    def get(self, request: Request, person_id: Any) -> Response:
        document = actions.dsar_export(acting_user=request.user, person_id=person_id)
        return Response(document, headers={"Content-Disposition": f'attachment; filename="dsar-{person_id}.json"'})


class DsarRectifyApi(PrivacyApi):
    @extend_schema(tags=TAGS, request=RectifyInput, responses={200: OpenApiTypes.OBJECT, **ERRORS},
                   summary="Correct a person's data at their request; audited as dsar.rectified")
    def post(self, request: Request, person_id: Any) -> Response:
        body = RectifyInput(data=request.data)
        body.is_valid(raise_exception=True)
        person = actions.dsar_rectify(acting_user=request.user, person_id=person_id, data=body.validated_data["data"],
                                      expected_version=body.validated_data.get("expected_version"))
        return Response({"id": str(person.pk), "case_version": person.case.version})


class DsarEraseApi(PrivacyApi):
    @extend_schema(tags=TAGS, request=None, responses={200: OpenApiTypes.OBJECT, **ERRORS},
                   summary="Erase a person at their request (crypto-shredding); audited as dsar.erased")
    def post(self, request: Request, person_id: Any) -> Response:
        person = actions.dsar_erase(acting_user=request.user, person_id=person_id)
        return Response({"id": str(person.pk), "erased_at": person.erased_at})


class HoldSetApi(PrivacyApi):
    @extend_schema(tags=TAGS, request=HoldInput, responses={201: HoldOutput, **ERRORS},
                   summary="Put a case on legal hold (retention will not erase it)")
    def post(self, request: Request, case_id: Any) -> Response:
        body = HoldInput(data=request.data)
        body.is_valid(raise_exception=True)
        hold = actions.legal_hold_set(acting_user=request.user, case_id=case_id, reason=body.validated_data["reason"])
        return Response(HoldOutput(hold).data, status=201)


class HoldReleaseApi(PrivacyApi):
    @extend_schema(tags=TAGS, request=None, responses={200: HoldOutput, **ERRORS}, summary="Release a legal hold")
    def post(self, request: Request, hold_id: int) -> Response:
        hold = actions.legal_hold_release(acting_user=request.user, hold_id=hold_id)
        return Response(HoldOutput(hold).data)
