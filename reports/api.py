"""API of the dashboards (/api/v1/reports/): the same numbers as the pages, as JSON.

Counts withheld by the suppression rule are `null` with their `display` ("<5" or "≥5").
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import SeparationCause
from reports import selectors
from reports.forms import NetworkFilterForm, PeriodForm
from tracing.api_auth import TokenFirst
from tracing.exceptions import ValidationFailed

TAGS = ["reports"]


class CountOutput(serializers.Serializer):
    count = serializers.IntegerField(allow_null=True, source="value", help_text="null when withheld")
    display = serializers.CharField(help_text='The count, or "<5" / "≥5" when withheld')


class RowOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(allow_null=True, source="count.value")
    display = serializers.CharField(source="count.display")


class TableOutput(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    rows = RowOutput(many=True)
    total = CountOutput()


class MedianOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    days = serializers.FloatField(allow_null=True)
    cases = CountOutput()


class ScopeOutput(serializers.Serializer):
    network = serializers.BooleanField()
    office = serializers.CharField(allow_null=True)
    cause = serializers.CharField(allow_null=True)
    date_from = serializers.CharField(allow_null=True, source="from")
    date_to = serializers.CharField(allow_null=True, source="to")


class DashboardOutput(serializers.Serializer):
    scope = ScopeOutput(source="scope.as_dict")
    tables = TableOutput(many=True)
    medians = MedianOutput(many=True)


_PERIOD = [
    OpenApiParameter("date_from", str, required=False, description="First month, YYYY-MM"),
    OpenApiParameter("date_to", str, required=False, description="Last month (included), YYYY-MM"),
    OpenApiParameter("cause", str, required=False, enum=SeparationCause.values),
]
_ERRORS = {400: OpenApiResponse(description="Invalid filters"),
           403: OpenApiResponse(description="Your role may not read this report")}


def _filters(form: PeriodForm) -> dict[str, Any]:
    if not form.is_valid():
        raise ValidationFailed(_("Invalid filters."),
                               field_errors={k: [str(e) for e in v] for k, v in form.errors.items()})
    return form.scope_filters()


class ReportsApi(TokenFirst, APIView):
    """Token first, and no token for two-factor roles (`tracing.api_auth.TokenFirst`)."""


class OfficeDashboardApi(ReportsApi):
    """Caseworkers, supervisors and auditors: exact counts of their own office's cases they may see."""

    @extend_schema(tags=TAGS, parameters=_PERIOD, responses={200: DashboardOutput, **_ERRORS},
                   summary="Dashboard numbers of your office (exact counts of the cases you may see there)")
    def get(self, request: Request) -> Response:
        selectors.office_scope(request.user)  # the role check before the filters: 403 first
        scope = selectors.office_scope(request.user, **_filters(PeriodForm(request.query_params)))
        return Response(DashboardOutput(selectors.dashboard(request.user, scope)).data)


class NetworkDashboardApi(ReportsApi):
    """Supervisors and auditors: every office (or one), counts 1-4 and their complements withheld."""

    @extend_schema(tags=TAGS, responses={200: DashboardOutput, **_ERRORS},
                   parameters=[OpenApiParameter("office", str, required=False, description="Office code"), *_PERIOD],
                   summary="Network-wide dashboard numbers (aggregates, small counts suppressed)")
    def get(self, request: Request) -> Response:
        selectors.network_scope(request.user)
        scope = selectors.network_scope(request.user, **_filters(NetworkFilterForm(request.query_params)))
        return Response(DashboardOutput(selectors.dashboard(request.user, scope)).data)
