"""The signed partner API (/api/v1/partners/). Every call is signed (partners/auth.py); every
POST carries an Idempotency-Key (partners/idempotency.py). Views parse, call one action or
selector as the partner's service user, and serialize: the one policy decides what it sees."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api.serializers import CaseCreateSerializer, ErrorSerializer
from partners import actions
from partners.auth import IsSignedPartner, PartnerAuth, PartnerRateThrottle, PartnerSignatureAuthentication
from partners.idempotency import idempotent
from partners.models import WebhookSubscription
from tracing.network.api import AnswerInput, RequestListOutput, RequestOutput
from tracing.network.models import RequestStatus, ShareLevel
from tracing.network.selectors import request_detail, request_list

TAGS = ["partners"]


class PartnerSignatureScheme(OpenApiAuthenticationExtension):
    target_class = "partners.auth.PartnerSignatureAuthentication"
    name = "partnerSignature"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey", "in": "header", "name": "X-Partner-Signature",
            "description": (
                "Sign every request with a partner key (Ed25519 or HMAC-SHA256). Headers: X-Partner-Key (key id), "
                "X-Partner-Timestamp (Unix seconds, within 300 s of our clock), X-Partner-Nonce (16-64 of "
                "[A-Za-z0-9_-], never reused), X-Partner-Signature (base64url) over the lines "
                "'partner-request-v1', METHOD, path?query, timestamp, nonce, hex SHA-256 of the body, key id, "
                "joined by \\n. Refusals are 401 with code not_authenticated, signature_missing, nonce_invalid, "
                "key_unknown, key_revoked, key_expired, key_not_yet_valid, timestamp_out_of_window, "
                "signature_invalid or replayed. See docs/partners.md."
            ),
        }


_SIGNED = [
    OpenApiParameter("X-Partner-Key", str, OpenApiParameter.HEADER, required=True, description="Your key id."),
    OpenApiParameter("X-Partner-Timestamp", int, OpenApiParameter.HEADER, required=True,
                     description="Unix seconds; refused more than 300 s from our clock."),
    OpenApiParameter("X-Partner-Nonce", str, OpenApiParameter.HEADER, required=True,
                     description="16-64 characters of A-Z a-z 0-9 _ -, never reused with the key."),
]
_IDEMPOTENT = [*_SIGNED, OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=True,
    description="8-100 visible ASCII characters. A retry with the same key and body returns the stored response "
                "(header Idempotent-Replayed: true) and creates nothing; the same key with another body is a "
                "422 idempotency_key_reused; stored for at least 24 hours.")]
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input, or no Idempotency-Key (idempotency_key_missing)"),
    401: OpenApiResponse(ErrorSerializer, description="Not signed, or the signature was refused (see the codes)"),
    403: OpenApiResponse(ErrorSerializer, description="Visible, but the action is not allowed"),
    429: OpenApiResponse(ErrorSerializer, description="Over the partner's request rate (throttled; see Retry-After)"),
    404: OpenApiResponse(ErrorSerializer, description="No such request, or not yours"),
    409: OpenApiResponse(ErrorSerializer, description="Not possible in the request's current status"),
}
READ_ERRORS = {401: ERRORS[401], 429: ERRORS[429]}
POST_ERRORS = {**ERRORS, 422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused with another body")}


class PartnerApi(APIView):
    """Signed partner requests only: a session or token user (staff too) gets a 401."""

    authentication_classes = [PartnerSignatureAuthentication]
    permission_classes = [IsSignedPartner]
    throttle_classes = [PartnerRateThrottle]

    @staticmethod
    def partner(request: Request) -> Any:
        auth: PartnerAuth = request.auth
        return auth.partner


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    ser = serializer_class(data=data)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


def _out(request: Request, request_id: Any) -> dict[str, Any]:
    return RequestOutput(request_detail(user=request.user, request_id=request_id)).data


class SubmitInput(serializers.Serializer):
    to_office = serializers.CharField(max_length=8, help_text="Code of our office asked to search, e.g. NL.")
    case = CaseCreateSerializer(help_text="Enquirer and sought person (the first sought person is searched for).")
    question = serializers.CharField()
    due_date = serializers.DateField()
    share_level = serializers.ChoiceField(choices=ShareLevel.choices, default=ShareLevel.SEARCH)
    external_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ListQuery(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["sent", "received"], required=False,
                                        help_text="sent: you asked us; received: we asked you. Default both.")
    status = serializers.ChoiceField(choices=RequestStatus.choices, required=False)


class RequestsApi(PartnerApi):
    @extend_schema(tags=TAGS, parameters=[*_SIGNED, ListQuery], responses={200: RequestListOutput, **READ_ERRORS},
                   summary="Your tracing requests: those you submitted and those our offices sent you",
                   operation_id="partners_requests_list")
    def get(self, request: Request) -> Response:
        query = _valid(ListQuery, request.query_params)
        directions = [query["direction"]] if query.get("direction") else ["sent", "received"]
        rows = [v for d in directions for v in request_list(user=request.user, direction=d, status=query.get("status"))]
        return Response({"count": len(rows), "results": [RequestOutput(v).data for v in rows]})

    @extend_schema(tags=TAGS, parameters=_IDEMPOTENT, request=SubmitInput,
                   responses={201: RequestOutput, **POST_ERRORS},
                   summary="Submit a tracing request: ask one of our offices to search")
    def post(self, request: Request) -> Response:
        def run() -> Response:
            data = _valid(SubmitInput, request.data)
            req = actions.partner_request_submit(partner=self.partner(request), **data)
            return Response(_out(request, req.pk), status=201)

        return idempotent(request, run)


class RequestDetailApi(PartnerApi):
    @extend_schema(tags=TAGS, parameters=_SIGNED, responses={200: RequestOutput, **READ_ERRORS, 404: ERRORS[404]},
                   summary="One of your tracing requests, with its status")
    def get(self, request: Request, request_id: Any) -> Response:
        return Response(_out(request, request_id))


class RequestAnswerApi(PartnerApi):
    @extend_schema(tags=TAGS, parameters=_IDEMPOTENT, request=AnswerInput,
                   responses={200: RequestOutput, **POST_ERRORS},
                   summary="Answer a tracing request one of our offices sent you (accepts it if needed)")
    def post(self, request: Request, request_id: Any) -> Response:
        def run() -> Response:
            data = _valid(AnswerInput, request.data)
            actions.partner_request_answer(partner=self.partner(request), request_id=request_id, **data)
            return Response(_out(request, request_id))

        return idempotent(request, run)


class WebhookInput(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="https:// on a public address.")
    secret = serializers.CharField(min_length=32, max_length=200, write_only=True,
                                   help_text="At least 32 characters; signs every delivery (X-Webhook-Signature).")


class WebhookOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "active", "created_at"]


class WebhooksApi(PartnerApi):
    @extend_schema(tags=TAGS, parameters=_SIGNED, responses={200: WebhookOutput(many=True), **READ_ERRORS},
                   summary="Your webhook subscriptions")
    def get(self, request: Request) -> Response:
        subs = WebhookSubscription.objects.filter(partner=self.partner(request), active=True)
        return Response(WebhookOutput(subs, many=True).data)

    @extend_schema(tags=TAGS, parameters=_IDEMPOTENT, request=WebhookInput,
                   responses={201: WebhookOutput, **POST_ERRORS},
                   summary="Subscribe a URL to events of your requests (received, accepted, answered, …)")
    def post(self, request: Request) -> Response:
        def run() -> Response:
            data = _valid(WebhookInput, request.data)
            sub = actions.webhook_subscribe(partner=self.partner(request), **data)
            return Response(WebhookOutput(sub).data, status=201)

        return idempotent(request, run)


class WebhookDetailApi(PartnerApi):
    @extend_schema(tags=TAGS, parameters=_SIGNED, responses={204: None, **READ_ERRORS, 404: ERRORS[404]},
                   summary="Remove a webhook subscription")
    def delete(self, request: Request, subscription_id: Any) -> Response:
        actions.webhook_unsubscribe(partner=self.partner(request), subscription_id=subscription_id)
        return Response(status=204)
