"""REST API of match proposals (included at /api/v1/matches/ by tracing.urls).

Lookups go through `visible(user, MatchProposal)` (both sides visible, else 404); values of
the explanation are decrypted per side, only for the fields the policy grants on that side.
Every read is logged as an `api_read` access event.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from audit.access import AccessKind
from cases.api.serializers import ErrorSerializer
from cases.api.views import ApiViewSet
from matching.actions import match_proposal_confirm, match_proposal_reject
from matching.models import CONFIRM_REASONS, REJECT_REASONS, MatchProposal, ProposalDecision, ProposalState
from matching.selectors import ProposalView, access_proposal, log_proposal_read, proposal_list, proposal_views

API_READ = AccessKind.API_READ.value


def _errors(*codes: int) -> dict[int, Any]:
    return dict.fromkeys(codes, ErrorSerializer)


class SideSerializer(serializers.Serializer):
    person = serializers.UUIDField(source="person.id")
    case = serializers.UUIDField(source="person.case.id")
    case_reference = serializers.CharField(source="person.case.reference")
    office = serializers.CharField(source="person.case.office.code")
    role = serializers.CharField(source="person.role")
    display_name = serializers.CharField(source="name")


class RowSerializer(serializers.Serializer):
    comparison = serializers.CharField()
    status = serializers.ChoiceField(choices=["agree", "partial", "disagree", "missing"])
    level = serializers.CharField()
    weight = serializers.FloatField()
    a = serializers.CharField(source="left", allow_null=True, help_text="null: not shown to you (or not loaded)")
    b = serializers.CharField(source="right", allow_null=True, help_text="null: not shown to you (or not loaded)")


class ProposalSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="proposal.id")
    a = SideSerializer()
    b = SideSerializer()
    score = serializers.FloatField(source="proposal.score")
    decision = serializers.ChoiceField(source="proposal.decision", choices=ProposalDecision.choices)
    # A plain string in the schema: a second "state" enum would collide with the case states.
    state = serializers.CharField(source="proposal.state", help_text="proposed, confirmed, rejected or superseded")
    reason = serializers.CharField(source="proposal.reason")
    decided_at = serializers.DateTimeField(source="proposal.decided_at", allow_null=True)
    created_at = serializers.DateTimeField(source="proposal.created_at")
    can_decide = serializers.BooleanField()
    explanation = RowSerializer(source="rows", many=True)


class ProposalListQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=ProposalState.choices, required=False)
    decision = serializers.ChoiceField(choices=ProposalDecision.choices, required=False)
    case = serializers.UUIDField(required=False)


class ConfirmSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=[(r.value, r.label) for r in CONFIRM_REASONS])
    detail = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=[(r.value, r.label) for r in REJECT_REASONS])
    detail = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class MatchProposalViewSet(ApiViewSet):
    """Match proposals between persons of any two cases you may see."""

    queryset = MatchProposal.objects.none()  # for the schema; lookups go through the policy

    def get_queryset(self) -> QuerySet[MatchProposal]:
        return proposal_list(user=self.request.user, state=None)

    def _one(self, request: Request, pk: str) -> ProposalView:
        proposal = access_proposal(request.user, pk)
        log_proposal_read(user=request.user, proposals=[proposal], kind=API_READ)
        return proposal_views(user=request.user, proposals=[proposal], with_values=True)[0]

    @extend_schema(
        summary="List match proposals you may see",
        parameters=[ProposalListQuerySerializer],
        responses={200: ProposalSerializer(many=True), **_errors(400)},
        description="Both persons of a listed proposal are visible to you. The explanation gives statuses "
        "and weights; values are only in the single-proposal read.",
    )
    def list(self, request: Request) -> Response:
        params = _valid(ProposalListQuerySerializer, request.query_params)
        qs = proposal_list(
            user=request.user, state=params.get("state"), decision=params.get("decision"), case_id=params.get("case")
        )
        page = self.paginate_queryset(qs)
        log_proposal_read(user=request.user, proposals=page, kind=API_READ)
        views = proposal_views(user=request.user, proposals=page)
        return self.get_paginated_response(ProposalSerializer(views, many=True).data)

    @extend_schema(
        summary="Read one match proposal with its side-by-side explanation",
        responses={200: ProposalSerializer, **_errors(404)},
        description="Compared values appear only for fields the policy lets you see on that side.",
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ProposalSerializer(self._one(request, pk)).data)

    @extend_schema(
        summary="Confirm: the two records are the same person",
        request=ConfirmSerializer,
        responses={200: ProposalSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        match_proposal_confirm(acting_user=request.user, proposal_id=pk, **_valid(ConfirmSerializer, request.data))
        return Response(ProposalSerializer(self._one(request, pk)).data)

    @extend_schema(
        summary="Reject: the two records are different persons",
        request=RejectSerializer,
        responses={200: ProposalSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        match_proposal_reject(acting_user=request.user, proposal_id=pk, **_valid(RejectSerializer, request.data))
        return Response(ProposalSerializer(self._one(request, pk)).data)


router = SimpleRouter()
router.register("", MatchProposalViewSet, basename="match-proposal")
urlpatterns = router.urls
