"""Shared personas: caseworker, supervisor, admin, auditor of the home office; a partner
office's caseworker and supervisor; an outsider office's caseworker; and a user without role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import OfficeFactory, UserFactory, sample_case_data, staff
from tracing.models import Office, Role


@dataclass
class Personas:
    home: Office
    partner: Office
    other: Office
    caseworker: Any
    caseworker2: Any
    supervisor: Any
    admin: Any
    auditor: Any
    partner_caseworker: Any
    partner_supervisor: Any
    outsider: Any
    nobody: Any


@pytest.fixture
def personas(db: Any) -> Personas:
    home = OfficeFactory(code="NL", name="Netherlands office", country="NL")
    partner = OfficeFactory(code="KE", name="Kenya office", country="KE")
    other = OfficeFactory(code="FR", name="France office", country="FR")
    return Personas(
        home=home, partner=partner, other=other,
        caseworker=staff("cw", home, Role.CASEWORKER),
        caseworker2=staff("cw2", home, Role.CASEWORKER),
        supervisor=staff("sup", home, Role.SUPERVISOR),
        admin=staff("adm", home, Role.OFFICE_ADMIN),
        auditor=staff("aud", home, Role.AUDITOR),
        partner_caseworker=staff("ke_cw", partner, Role.CASEWORKER),
        partner_supervisor=staff("ke_sup", partner, Role.SUPERVISOR),
        outsider=staff("fr_cw", other, Role.CASEWORKER),
        nobody=UserFactory(username="norole"),
    )


@pytest.fixture
def case_data() -> dict[str, Any]:
    return sample_case_data()


@pytest.fixture
def open_case(personas: Personas, case_data: dict[str, Any]) -> Any:
    from cases.actions import case_open

    return case_open(acting_user=personas.caseworker, **case_data)


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
