"""API of inter-office tracing requests (/api/v1/network/). Views parse, call one action or
selector, and serialize; the policy decides, and an invisible request is a 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tracing.api_auth import TokenFirst
from tracing.network import actions
from tracing.network.models import (
    ConsentStatus,
    DeclineReason,
    RequestOutcome,
    RequestStatus,
    ShareLevel,
)
from tracing.network.selectors import RequestView, request_detail, request_list

TAGS = ["network"]
ERRORS = {
    400: OpenApiResponse(description="Invalid input"),
    403: OpenApiResponse(description="Visible, but the action is not allowed"),
    404: OpenApiResponse(description="No such request, or not visible to you"),
    409: OpenApiResponse(description="Not possible in the request's current status"),
}


class NetworkApi(TokenFirst, APIView):
    """Token first, and no token for two-factor roles (`tracing.api_auth.TokenFirst`)."""


class RequestOutput(serializers.Serializer):
    """A request as the caller may see it. Content fields are empty once the share has ended."""

    id = serializers.UUIDField(source="req.id")
    case_id = serializers.UUIDField(source="req.case_id")
    case_reference = serializers.CharField(source="req.case.reference")
    direction = serializers.ChoiceField(choices=["sent", "received"])
    from_office = serializers.CharField(source="req.from_office.code")
    to_office = serializers.CharField(source="req.to_office.code")
    status = serializers.ChoiceField(source="req.status", choices=RequestStatus.choices)
    share_level = serializers.ChoiceField(source="req.share_level", choices=ShareLevel.choices)
    due_date = serializers.DateField(source="req.due_date")
    overdue = serializers.BooleanField()
    sent_at = serializers.DateTimeField(source="req.sent_at")
    outcome = serializers.CharField(source="req.outcome")
    consent_status = serializers.CharField(source="req.consent_status")
    decline_reason = serializers.CharField(source="req.decline_reason")
    answered_at = serializers.DateTimeField(source="req.answered_at", allow_null=True)
    sought_person_name = serializers.CharField(source="sought_name")
    question = serializers.CharField()
    searched = serializers.CharField()
    answer = serializers.CharField()


def _out(view: RequestView) -> dict[str, Any]:
    return RequestOutput(view).data


class _ListApi(NetworkApi):
    direction = "sent"

    def get(self, request: Request) -> Response:
        status = request.query_params.get("status") or None
        rows = request_list(user=request.user, direction=self.direction, status=status)
        return Response({"count": len(rows), "results": [_out(v) for v in rows]})


_STATUS_PARAM = OpenApiParameter("status", str, enum=RequestStatus.values, required=False)


class RequestListOutput(serializers.Serializer):
    count = serializers.IntegerField()
    results = RequestOutput(many=True)


class SentListApi(_ListApi):
    direction = "sent"

    @extend_schema(tags=TAGS, parameters=[_STATUS_PARAM], responses={200: RequestListOutput},
                   summary="Requests your office sent, with their status")
    def get(self, request: Request) -> Response:
        return super().get(request)


class ReceivedListApi(_ListApi):
    direction = "received"

    @extend_schema(tags=TAGS, parameters=[_STATUS_PARAM], responses={200: RequestListOutput},
                   summary="Requests your office received")
    def get(self, request: Request) -> Response:
        return super().get(request)


class SendApi(NetworkApi):
    class InputSerializer(serializers.Serializer):
        case_id = serializers.UUIDField()
        to_office_id = serializers.IntegerField()
        sought_person_id = serializers.UUIDField()
        question = serializers.CharField()
        due_date = serializers.DateField()
        share_level = serializers.ChoiceField(choices=ShareLevel.choices, default=ShareLevel.SEARCH)

    @extend_schema(tags=TAGS, request=InputSerializer, responses={201: RequestOutput, **ERRORS},
                   summary="Send a tracing request (shares the case with the partner office)")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        req = actions.request_send(acting_user=request.user, **data.validated_data)
        return Response(_out(request_detail(user=request.user, request_id=req.pk)), status=201)


class DetailApi(NetworkApi):
    @extend_schema(tags=TAGS, responses={200: RequestOutput, 404: ERRORS[404]}, summary="One tracing request")
    def get(self, request: Request, request_id: Any) -> Response:
        return Response(_out(request_detail(user=request.user, request_id=request_id)))


class DeclineInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)


class AnswerInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=RequestOutcome.choices)
    answer = serializers.CharField()
    consent_status = serializers.ChoiceField(choices=ConsentStatus.choices, required=False, default="")
    searched = serializers.CharField(required=False, default="", allow_blank=True)


def step_api(action: Any, summary: str, body: type[serializers.Serializer] | None = None) -> type[NetworkApi]:
    """A POST endpoint for one step: validate the body, call the action, return the request."""

    class StepApi(NetworkApi):
        @extend_schema(tags=TAGS, request=body, responses={200: RequestOutput, **ERRORS}, summary=summary,
                       operation_id=f"network_{action.__name__}")
        def post(self, request: Request, request_id: Any) -> Response:
            data: dict[str, Any] = {}
            if body is not None:
                ser = body(data=request.data)
                ser.is_valid(raise_exception=True)
                data = dict(ser.validated_data)
            action(acting_user=request.user, request_id=request_id, **data)
            return Response(_out(request_detail(user=request.user, request_id=request_id)))

    StepApi.__name__ = StepApi.__qualname__ = f"{action.__name__.title().replace('_', '')}Api"
    return StepApi


AcceptApi = step_api(actions.request_accept, "Accept a received request")
DeclineApi = step_api(actions.request_decline, "Decline a received request (the share ends)", DeclineInput)
AnswerApi = step_api(actions.request_answer, "Answer an accepted request (notifies the requesting office)",
                     AnswerInput)
CloseApi = step_api(actions.request_close, "Close an answered or declined request (the share ends)")
RevokeApi = step_api(actions.share_revoke, "Withdraw a request and revoke its share, effective immediately")
