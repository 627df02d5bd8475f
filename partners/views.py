"""The office administrator's page: partner systems acting for their office, with their keys."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.views import staff_view  # the UI's login/role gate and 404/403 mapping
from partners.selectors import partner_systems
from tracing.exceptions import NotPermitted
from tracing.permissions import can


@staff_view
def system_list(request: HttpRequest) -> HttpResponse:
    """Partner systems of the administrator's office; secrets are never shown (only key ids)."""
    if not can(request.user, "office.manage", None):
        raise NotPermitted(_("Only office administrators manage partner systems."))
    return render(request, "partners/system_list.html",
                  {"systems": partner_systems(user=request.user), "now": timezone.now()})
