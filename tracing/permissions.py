"""The one permission policy: `can(user, action, obj)` and `visible(user, model)`.

Every view, API endpoint, admin page, search, export, matching result and task asks here.
django-guardian is used only in this module: a share of a case with a partner office is a
guardian direct-FK grant (`share_search` or `share_full`) to that office's group.

A user who may not see a case must get 404, never 403: `visible()` scopes every lookup,
and `can()` is asked only about objects the user can already see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from tracing.models import Office, Role, StaffProfile


class Level:
    """How much of a case a viewer may see. Ordered: NONE < SEARCH < FULL < OWNER."""

    NONE = 0
    SEARCH = 1  # partner share: sought person's identifying details and circumstances
    FULL = 2  # partner share: also enquirer contact details and shareable notes/attachments
    OWNER = 3  # the owning office: everything

    SHARE_CODENAMES = {SEARCH: "share_search", FULL: "share_full"}
    BY_NAME = {"search": SEARCH, "full": FULL}


@dataclass(frozen=True)
class Actor:
    user_id: int
    office_id: int
    group_id: int
    role: str
    network_wide: bool
    caseworkers_see_office: bool

    @property
    def works_cases(self) -> bool:
        return self.role in (Role.CASEWORKER, Role.SUPERVISOR)


def actor_for(user: Any) -> Actor | None:
    """The user's office and role, cached on the user object for the request."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return None
    cached = getattr(user, "_tracing_actor", False)
    if cached is not False:
        return cached
    try:
        staff = StaffProfile.objects.select_related("office").get(user_id=user.pk)
    except StaffProfile.DoesNotExist:
        actor = None
    else:
        actor = Actor(
            user_id=user.pk,
            office_id=staff.office_id,
            group_id=staff.office.group_id,
            role=staff.role,
            network_wide=staff.network_wide and staff.role == Role.AUDITOR,
            caseworkers_see_office=staff.office.caseworkers_see_office_cases,
        )
    user._tracing_actor = actor
    return actor


# --- querysets ---------------------------------------------------------------------------


def _share_exists(actor: Actor, codenames: list[str]) -> Exists:
    from cases.models import CaseGroupObjectPermission

    return Exists(
        CaseGroupObjectPermission.objects.filter(
            content_object_id=OuterRef("pk"), group_id=actor.group_id, permission__codename__in=codenames
        )
    )


def _case_q(actor: Actor) -> Q:
    if actor.role == Role.AUDITOR:
        return Q() if actor.network_wide else Q(office_id=actor.office_id)
    if not actor.works_cases:
        return Q(pk__in=[])  # office administrators: no case content by default
    own = Q(office_id=actor.office_id)
    if actor.role == Role.CASEWORKER and not actor.caseworkers_see_office:
        own = Q(office_id=actor.office_id, assigned_to_id=actor.user_id)
    return own | Q(_share_exists(actor, list(Level.SHARE_CODENAMES.values())))


def visible(user: Any, model: type[Model]) -> QuerySet:
    """Everything of `model` the user may see. Lists, search, exports and lookups start here."""
    from cases.models import Attachment, Case, Note, Person

    actor = actor_for(user)
    if model is Office:
        return Office.objects.all() if actor else Office.objects.none()
    if actor is None:
        return model._default_manager.none()
    if model is Case:
        return Case.objects.filter(_case_q(actor))
    if model in (Person, Note, Attachment):
        cases = visible(user, Case)
        qs = model._default_manager.filter(case__in=cases.values("pk"))
        if model is Note:
            qs = qs.filter(Q(case__office_id=actor.office_id) | Q(visibility__in=["shareable"]))
        if model is Attachment:
            qs = qs.filter(Q(case__office_id=actor.office_id) | Q(shareable=True))
        return qs
    extra = _EXTRA_VISIBLE.get(model)
    if extra is not None:
        return extra(user, actor)
    raise LookupError(f"no visibility rule for {model.__name__}")


#: Other apps register visibility rules for their models here (matching proposals, requests).
_EXTRA_VISIBLE: dict[type[Model], Any] = {}


def register_visibility(model: type[Model], rule: Any) -> None:
    _EXTRA_VISIBLE[model] = rule


# --- decisions ---------------------------------------------------------------------------


def case_level(user: Any, case: Any) -> int:
    """How much of this case the user may see (Level.*). NONE means: answer 404."""
    actor = actor_for(user)
    if actor is None:
        return Level.NONE
    if actor.role == Role.AUDITOR:
        return Level.OWNER if (actor.network_wide or case.office_id == actor.office_id) else Level.NONE
    if not actor.works_cases:
        return Level.NONE
    if case.office_id == actor.office_id:
        if actor.role == Role.CASEWORKER and not actor.caseworkers_see_office and case.assigned_to_id != actor.user_id:
            return Level.NONE
        return Level.OWNER
    return share_level(actor.group_id, case)


def share_level(group_id: int, case: Any) -> int:
    from cases.models import CaseGroupObjectPermission

    codenames = set(
        CaseGroupObjectPermission.objects.filter(content_object_id=case.pk, group_id=group_id).values_list(
            "permission__codename", flat=True
        )
    )
    if Level.SHARE_CODENAMES[Level.FULL] in codenames:
        return Level.FULL
    if Level.SHARE_CODENAMES[Level.SEARCH] in codenames:
        return Level.SEARCH
    return Level.NONE


def can(user: Any, action: str, obj: Any = None, **context: Any) -> bool:
    """May `user` perform `action` on `obj`? Actions are listed in RULES below."""
    actor = actor_for(user)
    if actor is None:
        return False
    rule = RULES.get(action)
    if rule is None:
        raise LookupError(f"unknown action {action!r}")
    return bool(rule(user, actor, obj, context))


def _own_worker(user: Any, actor: Actor, case: Any) -> bool:
    return actor.works_cases and case_level(user, case) == Level.OWNER


def _transition(user: Any, actor: Actor, case: Any, ctx: dict) -> bool:
    transition = ctx["transition"]
    return _own_worker(user, actor, case) and actor.role in transition.roles


def _supervisor_of(user: Any, actor: Actor, case: Any) -> bool:
    return actor.role == Role.SUPERVISOR and case_level(user, case) == Level.OWNER


RULES: dict[str, Any] = {
    "case.open": lambda u, a, office, c: a.works_cases and (office is None or office.pk == a.office_id),
    "case.view": lambda u, a, case, c: case_level(u, case) > Level.NONE,
    "case.edit": lambda u, a, case, c: _own_worker(u, a, case),
    "case.transition": _transition,
    "case.assign": lambda u, a, case, c: _supervisor_of(u, a, case),
    "case.share": lambda u, a, case, c: _supervisor_of(u, a, case),
    "case.add_note": lambda u, a, case, c: a.works_cases and case_level(u, case) > Level.NONE,
    "case.view_history": lambda u, a, case, c: case_level(u, case) == Level.OWNER,
    "person.erase": lambda u, a, case, c: _supervisor_of(u, a, case),
    "consent.record": lambda u, a, case, c: _own_worker(u, a, case),
    "contact.disclose": lambda u, a, case, c: _own_worker(u, a, case),
    "request.answer": lambda u, a, req, c: a.works_cases and req.to_office_id == a.office_id,
    "request.send": lambda u, a, case, c: _supervisor_of(u, a, case),
    "audit.view": lambda u, a, obj, c: a.role == Role.AUDITOR,
    "office.manage": lambda u, a, office, c: a.role == Role.OFFICE_ADMIN and (office is None or office.pk == a.office_id),
    "keys.manage": lambda u, a, obj, c: False,  # operators only, through manage.py
}


# --- field-level redaction ---------------------------------------------------------------

#: Person fields a viewer may see, by level and the person's role in the case.
_SEARCH_PERSON_FIELDS = frozenset(
    {"display_name", "names", "sex", "birth_date", "birth_place", "nationality", "father_name",
     "mother_name", "description", "places", "languages"}
)
_CONTACT_FIELDS = frozenset({"phone", "email", "address"})
CASE_SEARCH_FIELDS = frozenset(
    {"reference", "state", "priority", "separation_cause", "separation_date", "separation_place",
     "separation_circumstances", "languages", "involves_minor", "created_at"}
)


def person_fields(level: int, person_role: str) -> frozenset[str]:
    """Which Person fields a viewer at `level` may see (and so may be decrypted)."""
    if level >= Level.OWNER:
        return _SEARCH_PERSON_FIELDS | _CONTACT_FIELDS
    if level == Level.NONE:
        return frozenset()
    if person_role == "enquirer":
        return frozenset({"display_name", "names"}) | (_CONTACT_FIELDS if level >= Level.FULL else frozenset())
    if person_role == "relative" and level < Level.FULL:
        return frozenset()
    return _SEARCH_PERSON_FIELDS
