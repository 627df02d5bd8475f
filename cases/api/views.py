"""REST API v1: thin views over cases.actions (every write) and cases.selectors (reads).

Every lookup is scoped by the permission policy (`visible`, `access_case`, `access_person`),
so a case the user may not see is a 404; an action refused on a visible case is a 403 from
the action itself. Every read of personal data is logged as an `api_read` access event.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from audit.access import AccessKind, log_access
from cases.access import access_case, access_person
from cases.actions import (
    attachment_add,
    case_assign,
    case_open,
    case_transition,
    case_update,
    consent_record,
    consent_withdraw,
    note_add,
    person_add,
    person_erase,
    person_update,
)
from cases.api import serializers as s
from cases.api.pagination import CappedPagination
from cases.attachments import attachment_file_read
from cases.models import Attachment, Case, Consent, Note, Person, PersonRole
from cases.selectors import case_detail, case_list, log_list_read, person_search
from cases.workflow import Transition, available_from
from tracing.api_auth import TokenFirst, needs_second_factor
from tracing.exceptions import DecryptionFailed, NotFound, NotPermitted, ValidationFailed
from tracing.permissions import Level, can, case_level, case_levels, person_fields, visible

API_READ = AccessKind.API_READ.value


def _errors(*codes: int) -> dict[int, Any]:
    return dict.fromkeys(codes, s.ErrorSerializer)


def _valid(serializer_class: type[Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def transition_option(transition: Transition) -> dict[str, Any]:
    reasons = None
    if transition.reasons is not None:
        reasons = [{"value": value, "label": str(label)} for value, label in transition.reasons.choices]
    return {
        "name": transition.name,
        "label": str(transition.label),
        "target": transition.target,
        "reasons": reasons,
        "requires_consent": sorted(transition.requires_consent),
    }


class TokenObtainView(ObtainAuthToken):
    """DRF's obtain_auth_token, refused to roles that must use two-factor: they use the session API."""

    @extend_schema(
        summary="Obtain an API token",
        request=AuthTokenSerializer,
        responses={200: s.TokenSerializer, **_errors(400, 403)},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if needs_second_factor(user):
            raise NotPermitted(_("Your role signs in with two-factor verification: use the session API."))
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class ApiViewSet(TokenFirst, viewsets.GenericViewSet):
    """Base of the cases and matching API viewsets (authentication: `tracing.api_auth.TokenFirst`)."""


class CaseViewSet(ApiViewSet):
    """Tracing cases, and their persons, notes, attachments, consents and workflow."""

    queryset = Case.objects.none()  # for the schema; lookups go through the policy
    pagination_class = CappedPagination

    def get_queryset(self) -> QuerySet[Case]:
        return visible(self.request.user, Case)

    def _detail(self, request: Request, case_id: Any, purpose: str = "") -> dict[str, Any]:
        detail = case_detail(user=request.user, case_id=case_id, kind=API_READ, purpose=purpose)
        detail.case.visible_persons = [person for person, _fields in detail.persons]
        return s.CaseDetailSerializer(detail.case, context={"levels": {detail.case.id: detail.level}}).data

    @extend_schema(
        summary="List the cases you may see",
        parameters=[s.CaseListQuerySerializer],
        responses={200: s.CaseListSerializer(many=True), **_errors(400)},
    )
    def list(self, request: Request) -> Response:
        params = _valid(s.CaseListQuerySerializer, request.query_params)
        query = params.pop("q", "")
        case_ids = None
        if query:
            case_ids = list(dict.fromkeys(hit.case.id for hit in person_search(user=request.user, query=query)))
        cases = case_list(user=request.user, case_ids=case_ids, **params).order_by("priority", "-created_at", "pk")
        page = self.paginate_queryset(cases)
        log_list_read(user=request.user, cases=page, kind=API_READ)
        data = s.CaseListSerializer(page, many=True, context={"levels": case_levels(request.user, page)}).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Open a case",
        request=s.CaseCreateSerializer,
        responses={201: s.CaseDetailSerializer, **_errors(400, 403)},
    )
    def create(self, request: Request) -> Response:
        case = case_open(acting_user=request.user, **_valid(s.CaseCreateSerializer, request.data))
        return Response(self._detail(request, case.id), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Read a case (redacted to your access level)",
        parameters=[s.CaseReadQuerySerializer],
        responses={200: s.CaseDetailSerializer, **_errors(400, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        purpose = _valid(s.CaseReadQuerySerializer, request.query_params).get("purpose", "")
        return Response(self._detail(request, pk, purpose))

    @extend_schema(
        summary="Edit case fields",
        request=s.CaseUpdateSerializer,
        responses={200: s.CaseDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        changes = _valid(s.CaseUpdateSerializer, request.data)
        version = changes.pop("version")
        case_update(acting_user=request.user, case_id=pk, expected_version=version, **changes)
        return Response(self._detail(request, pk))

    @extend_schema(
        summary="Transitions you may perform now",
        methods=["GET"],
        responses={200: s.TransitionOptionSerializer(many=True), **_errors(404)},
        description="The transitions this user may perform on the case now, with their reasons.",
    )
    @extend_schema(
        summary="Move the case along a transition",
        methods=["POST"],
        request=s.TransitionInputSerializer,
        responses={200: s.CaseStateSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def transitions(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            case = access_case(request.user, pk)
            options = [
                t for t in available_from(case.state) if can(request.user, "case.transition", case, transition=t)
            ]
            return Response(s.TransitionOptionSerializer([transition_option(t) for t in options], many=True).data)
        data = _valid(s.TransitionInputSerializer, request.data)
        case = case_transition(
            acting_user=request.user,
            case_id=pk,
            transition=data["transition"],
            reason=data["reason"],
            detail=data["detail"],
            expected_version=data["version"],
        )
        return Response(s.CaseStateSerializer(case).data)

    @extend_schema(
        summary="Assign the case (supervisors)",
        request=s.AssignInputSerializer,
        responses={200: s.CaseStateSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        data = _valid(s.AssignInputSerializer, request.data)
        case = case_assign(
            acting_user=request.user, case_id=pk, assignee_id=data["assigned_to"], expected_version=data.get("version")
        )
        return Response(s.CaseStateSerializer(case).data)

    @extend_schema(
        summary="List the case's persons",
        methods=["GET"],
        responses={200: s.PersonSerializer(many=True), **_errors(404)},
    )
    @extend_schema(
        summary="Add a person to the case",
        methods=["POST"],
        request=s.PersonCreateSerializer,
        responses={201: s.PersonSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["get", "post"])
    def persons(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            data = _valid(s.PersonCreateSerializer, request.data)
            role, version = data.pop("role"), data.pop("version", None)
            person = person_add(acting_user=request.user, case_id=pk, role=role, data=data, expected_version=version)
            levels = {person.case_id: case_level(request.user, person.case)}
            return Response(s.PersonSerializer(person, context={"levels": levels}).data, status=status.HTTP_201_CREATED)
        case = access_case(request.user, pk)
        level = case_level(request.user, case)
        roles = [role for role in PersonRole.values if person_fields(level, role)]
        persons = case.persons.filter(role__in=roles).select_related("data_key").prefetch_related("names", "places")
        page = self.paginate_queryset(persons)
        log_access(
            user=request.user, kind=API_READ, case_ids=[case.id], person_ids=[p.id for p in page], office=case.office
        )
        data = s.PersonSerializer(page, many=True, context={"levels": {case.id: level}}).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="List the case's notes",
        methods=["GET"],
        responses={200: s.NoteSerializer(many=True), **_errors(404)},
        description="Notes of the case; a partner office sees only shareable notes.",
    )
    @extend_schema(
        summary="Add a note",
        methods=["POST"],
        request=s.NoteInputSerializer,
        responses={201: s.NoteSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["get", "post"])
    def notes(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            data = _valid(s.NoteInputSerializer, request.data)
            note = note_add(acting_user=request.user, case_id=pk, **data)
            return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)
        case = access_case(request.user, pk)
        notes = visible(request.user, Note).filter(case_id=case.id).select_related("data_key", "author_office")
        page = self.paginate_queryset(notes.order_by("-created_at", "pk"))
        log_access(
            user=request.user, kind=API_READ, case_ids=[case.id], office=case.office, detail={"notes": len(page)}
        )
        return self.get_paginated_response(s.NoteSerializer(page, many=True).data)

    @extend_schema(
        summary="List the case's attachments",
        methods=["GET"],
        responses={200: s.AttachmentSerializer(many=True), **_errors(404)},
        description="Attachments of the case; a partner office sees only shareable ones.",
    )
    @extend_schema(
        summary="Upload an attachment",
        methods=["POST"],
        request=s.AttachmentInputSerializer,
        responses={201: s.AttachmentSerializer, **_errors(400, 403, 404)},
        description="Upload a PDF, JPEG or PNG (at most TRACING_MAX_ATTACHMENT_BYTES).",
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request: Request, pk: str) -> Response:
        case = access_case(request.user, pk)  # 404 before an upload is read
        if request.method == "POST":
            data = _valid(s.AttachmentInputSerializer, request.data)
            person_id = data.get("person")
            if person_id and not visible(request.user, Person).filter(case_id=case.id, pk=person_id).exists():
                raise ValidationFailed(
                    _("No such person on this case."), field_errors={"person": [_("Not a person of this case.")]}
                )
            # Read one byte past the limit: the action refuses anything larger.
            content = data["file"].read(settings.TRACING_MAX_ATTACHMENT_BYTES + 1)
            attachment = attachment_add(
                acting_user=request.user,
                case_id=case.id,
                filename=data["file"].name or "file",
                content=content,
                person_id=person_id,
                description=data["description"],
                shareable=data["shareable"],
            )
            return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)
        attachments = (
            visible(request.user, Attachment)
            .filter(case_id=case.id)
            .filter(Q(person__isnull=True) | Q(person__erased_at__isnull=True))  # an erased person's are shredded
            .select_related("data_key")
            .order_by("-created_at", "pk")
        )
        page = self.paginate_queryset(attachments)
        log_access(
            user=request.user,
            kind=API_READ,
            case_ids=[case.id],
            office=case.office,
            person_ids=[a.person_id for a in page if a.person_id],
            detail={"attachments": len(page)},
        )
        return self.get_paginated_response(s.AttachmentSerializer(page, many=True).data)

    @extend_schema(
        summary="List consent decisions",
        methods=["GET"],
        responses={200: s.ConsentSerializer(many=True), **_errors(403, 404)},
        description="Consent decisions of the found persons (the owning office only).",
    )
    @extend_schema(
        summary="Record a found person's consent",
        methods=["POST"],
        request=s.ConsentInputSerializer,
        responses={201: s.ConsentSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["get", "post"])
    def consents(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            data = _valid(s.ConsentInputSerializer, request.data)
            consent = consent_record(
                acting_user=request.user,
                case_id=pk,
                person_id=data["person"],
                scope=data["scope"],
                source=data["source"],
                given_on=data.get("given_on"),
            )
            return Response(s.ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)
        case = access_case(request.user, pk)
        if case_level(request.user, case) < Level.OWNER:
            raise NotPermitted(_("Only the owning office sees consent decisions."))
        page = self.paginate_queryset(Consent.objects.filter(case=case).order_by("-recorded_at", "pk"))
        log_access(
            user=request.user,
            kind=API_READ,
            case_ids=[case.id],
            office=case.office,
            person_ids=[c.person_id for c in page],
        )
        return self.get_paginated_response(s.ConsentSerializer(page, many=True).data)

    @extend_schema(
        summary="Withdraw a consent",
        request=None,
        responses={200: s.ConsentSerializer, **_errors(400, 403, 404)},
        parameters=[OpenApiParameter("consent_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        description="Withdraw a consent: no further disclosure is allowed under it.",
    )
    @action(detail=True, methods=["post"], url_path=r"consents/(?P<consent_id>[0-9]+)/withdraw")
    def consent_withdraw(self, request: Request, pk: str, consent_id: str) -> Response:
        consent = consent_withdraw(acting_user=request.user, case_id=pk, consent_id=int(consent_id))
        return Response(s.ConsentSerializer(consent).data)


class PersonViewSet(ApiViewSet):
    """One person of a case, redacted to the viewer's level."""

    queryset = Person.objects.none()  # for the schema; lookups go through the policy

    def get_queryset(self) -> QuerySet[Person]:
        return visible(self.request.user, Person)

    @extend_schema(
        summary="Read a person (redacted to your access level)", responses={200: s.PersonSerializer, **_errors(404)}
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        person = access_person(request.user, pk)
        level = case_level(request.user, person.case)
        if not person_fields(level, person.role):
            raise NotFound(_("No such person."))  # e.g. a relative on a search-level share
        log_access(
            user=request.user,
            kind=API_READ,
            case_ids=[person.case_id],
            person_ids=[person.id],
            office=person.case.office,
        )
        return Response(s.PersonSerializer(person, context={"levels": {person.case_id: level}}).data)

    @extend_schema(
        summary="Edit a person",
        request=s.PersonUpdateSerializer,
        responses={200: s.PersonSerializer, **_errors(400, 403, 404, 409)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = _valid(s.PersonUpdateSerializer, request.data)
        version = data.pop("version")
        person = person_update(acting_user=request.user, person_id=pk, data=data, expected_version=version)
        levels = {person.case_id: case_level(request.user, person.case)}
        return Response(s.PersonSerializer(person, context={"levels": levels}).data)

    @extend_schema(
        summary="Erase a person (supervisors)",
        request=s.EraseInputSerializer,
        responses={200: s.PersonSerializer, **_errors(400, 403, 404)},
        description="Crypto-shred the person's data (supervisors of the owning office).",
    )
    @action(detail=True, methods=["post"])
    def erase(self, request: Request, pk: str) -> Response:
        data = _valid(s.EraseInputSerializer, request.data)
        person = person_erase(acting_user=request.user, person_id=pk, reason=data["reason"])
        return Response(s.PersonSerializer(person, context={"levels": {}}).data)


class AttachmentViewSet(ApiViewSet):
    """Attachment files, decrypted only for a permitted download."""

    queryset = Attachment.objects.none()  # for the schema; lookups go through the policy

    def get_queryset(self) -> QuerySet[Attachment]:
        return visible(self.request.user, Attachment)

    @extend_schema(
        summary="Download an attachment",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **_errors(404)},
        description="The file, as `Content-Disposition: attachment`.",
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> HttpResponse:
        try:
            attachment = (
                self.get_queryset()
                .select_related("data_key", "case__office")
                .get(Q(person__isnull=True) | Q(person__erased_at__isnull=True), pk=pk)
            )
            content = attachment_file_read(attachment)
        except (Attachment.DoesNotExist, ValidationError, ValueError, FileNotFoundError, DecryptionFailed) as exc:
            raise NotFound(_("No such attachment.")) from exc
        log_access(
            user=request.user,
            kind=API_READ,
            case_ids=[attachment.case_id],
            office=attachment.case.office,
            person_ids=[attachment.person_id] if attachment.person_id else [],
            detail={"attachment_id": str(attachment.id)},
        )
        response = HttpResponse(content, content_type=attachment.content_type)
        response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store"
        return response
