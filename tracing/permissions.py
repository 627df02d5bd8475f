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

from django.contrib.auth.models import AnonymousUser, Permission
from django.db.models import Model, Q, QuerySet

from tracing.models import Office, Role, StaffProfile


class Level:
    """How much of a case a viewer may see. Ordered: NONE < SEARCH < FULL < OWNER."""

    NONE = 0
    # Both share levels see notes and attachments marked shareable: marking them so is the
    # owning office's decision to share them with partners. The levels differ in persons.
    SEARCH = 1  # partner share: sought person's identifying details and circumstances
    FULL = 2  # partner share: also enquirer contact details and the other relatives
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
    office_name: str = ""  # the page header shows it; read with the office, not once more

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
            office_name=staff.office.name,
        )
    user._tracing_actor = actor
    return actor


# --- querysets ---------------------------------------------------------------------------


def _shared_case_ids(group_id: int) -> QuerySet:
    """Ids of the cases shared with an office (one indexed lookup on the grant table)."""
    from cases.models import CaseGroupObjectPermission

    return CaseGroupObjectPermission.objects.filter(
        group_id=group_id, permission__codename__in=list(Level.SHARE_CODENAMES.values())
    ).values("content_object_id")


def _case_q(actor: Actor) -> Q:
    if actor.role == Role.AUDITOR:
        return Q() if actor.network_wide else Q(office_id=actor.office_id)
    if not actor.works_cases:
        return Q(pk__in=[])  # office administrators: no case content by default
    own = Q(office_id=actor.office_id)
    if actor.role == Role.CASEWORKER and not actor.caseworkers_see_office:
        own = Q(office_id=actor.office_id, assigned_to_id=actor.user_id)
    # An uncorrelated `pk IN (grants of my group)` rather than a correlated EXISTS: PostgreSQL
    # hashes the (small) grant set once, so the list costs the same with 0 or 10,000 grants
    # (benchmarks/permissions_grants.py). Grants are read on every call, never cached, so a
    # revocation takes effect on the very next request.
    return own | Q(pk__in=_shared_case_ids(actor.group_id))


def _request_q(actor: Actor) -> Q:
    """Tracing requests: the requesting office sees those it sent, the partner those it received."""
    if actor.role == Role.AUDITOR:
        return Q() if actor.network_wide else Q(from_office_id=actor.office_id) | Q(to_office_id=actor.office_id)
    if not actor.works_cases:
        return Q(pk__in=[])
    sent = Q(from_office_id=actor.office_id)
    if actor.role == Role.CASEWORKER and not actor.caseworkers_see_office:
        sent &= Q(case__assigned_to_id=actor.user_id)
    # Received requests stay listed after a revocation (status only): the case itself is
    # then invisible, and pages show its details only while case_level() allows it.
    return sent | Q(to_office_id=actor.office_id)


def search_term_scope(user: Any) -> Q:
    """A filter on `cases.PersonSearchTerm` rows: the offices and shared cases a search may reach.

    A superset of what `visible(user, Case)` allows (an assigned-only caseworker still reaches
    their whole office here): callers must check the cases they keep against `visible`. It
    exists so that a search is driven by the term index and never joins every visible case.
    """
    actor = actor_for(user)
    if actor is None or (actor.role != Role.AUDITOR and not actor.works_cases):
        return Q(pk__in=[])
    if actor.role == Role.AUDITOR:
        return Q() if actor.network_wide else Q(office_id=actor.office_id)
    from cases.models import Person

    shared_persons = Person.objects.filter(case_id__in=_shared_case_ids(actor.group_id)).values("pk")
    return Q(office_id=actor.office_id) | Q(person_id__in=shared_persons)


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
    from tracing.network.models import TracingRequest

    if model is TracingRequest:
        return TracingRequest.objects.filter(_request_q(actor))
    extra = _EXTRA_VISIBLE.get(model)
    if extra is not None:
        return extra(user, actor)
    raise LookupError(f"no visibility rule for {model.__name__}")


#: Other apps register visibility rules for their models here (matching proposals, requests).
_EXTRA_VISIBLE: dict[type[Model], Any] = {}


def register_visibility(model: type[Model], rule: Any) -> None:
    _EXTRA_VISIBLE[model] = rule


def audit_events_visible(user: Any, actor: Actor | None = None) -> QuerySet:
    """Audit events the user may read: none unless an auditor; an office auditor the events
    about their office or made by its staff (office or actor_office); a network auditor all.

    Security entry point: every read of the audit trail (workspace, exports) starts here.
    Registered as the visibility rule of AuditEvent by audit.apps.
    """
    from audit.models import AuditEvent

    actor = actor or actor_for(user)
    if actor is None or actor.role != Role.AUDITOR:
        return AuditEvent.objects.none()
    if actor.network_wide:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(Q(office_id=actor.office_id) | Q(actor_office_id=actor.office_id))


def persons_with_fields(user: Any, actor: Actor | None = None) -> QuerySet:
    """Visible persons the policy grants at least one field of: a relative on a search-level
    share is visible through its case but has no fields (`person_fields`), so it is left out.
    Erased persons are never shown."""
    from cases.models import CaseGroupObjectPermission, Person

    actor = actor or actor_for(user)
    qs = visible(user, Person).filter(erased_at__isnull=True)
    if actor is None or actor.role == Role.AUDITOR:
        return qs  # auditors see their office's cases at owner level
    full_shares = CaseGroupObjectPermission.objects.filter(
        group_id=actor.group_id, permission__codename=Level.SHARE_CODENAMES[Level.FULL]
    ).values("content_object_id")
    return qs.exclude(Q(role="relative") & ~Q(case__office_id=actor.office_id) & ~Q(case_id__in=full_shares))


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


def case_levels(user: Any, cases: list[Any]) -> dict[Any, int]:
    """case_level() for many cases with at most one query (for lists)."""
    actor = actor_for(user)
    if actor is None:
        return {c.pk: Level.NONE for c in cases}
    others = [c.pk for c in cases if c.office_id != actor.office_id]
    shared = share_levels(actor.group_id, others) if others and actor.works_cases else {}
    levels = {}
    for case in cases:
        if case.office_id != actor.office_id and actor.works_cases:
            levels[case.pk] = shared.get(case.pk, Level.NONE)
        else:
            levels[case.pk] = case_level(user, case)  # own office or auditor: no query
    return levels


def share_level(group_id: int, case: Any) -> int:
    """The share level an office's group holds on one case (Level.NONE without a grant)."""
    return share_levels(group_id, [case.pk]).get(case.pk, Level.NONE)


def share_levels(group_id: int, case_ids: list[Any]) -> dict[Any, int]:
    """Share levels of many cases in one query (lists must not ask case by case)."""
    from cases.models import CaseGroupObjectPermission

    by_codename = {code: level for level, code in Level.SHARE_CODENAMES.items()}
    levels: dict[Any, int] = {}
    rows = CaseGroupObjectPermission.objects.filter(
        content_object_id__in=case_ids, group_id=group_id, permission__codename__in=list(by_codename)
    ).values_list("content_object_id", "permission__codename")
    for case_id, codename in rows:
        levels[case_id] = max(levels.get(case_id, Level.NONE), by_codename[codename])
    return levels


# --- grants (the only place that writes guardian rows) -----------------------------------


def _share_permissions() -> dict[int, Permission]:
    perms = Permission.objects.filter(
        content_type__app_label="cases", codename__in=list(Level.SHARE_CODENAMES.values())
    )
    by_codename = {p.codename: p for p in perms}
    return {level: by_codename[code] for level, code in Level.SHARE_CODENAMES.items()}


def share_grant(case: Any, office: Office, level: int) -> None:
    """Share `case` with `office` at exactly `level` (SEARCH or FULL), replacing any other level.

    Security entry point: call it only from an action that has checked `can(user,
    "case.share", case)` and records the share in the audit trail in the same transaction.
    """
    from cases.models import CaseGroupObjectPermission

    if level not in Level.SHARE_CODENAMES:
        raise ValueError(f"cannot share at level {level}")
    if office.pk == case.office_id:
        raise ValueError("a case is not shared with its own office")
    perms = _share_permissions()
    CaseGroupObjectPermission.objects.filter(content_object_id=case.pk, group_id=office.group_id).exclude(
        permission=perms[level]
    ).delete()
    CaseGroupObjectPermission.objects.get_or_create(
        content_object_id=case.pk, group_id=office.group_id, permission=perms[level]
    )


def share_grant_many(case_ids: list[Any], office: Office, level: int, *, batch_size: int = 5000) -> int:
    """Share many cases of other offices with `office` at `level` (imports, benchmarks).

    Security entry point like share_grant: the caller checks rights and records the event.
    Cases already shared with the office keep their grant; returns the number of new grants.
    """
    from cases.models import Case, CaseGroupObjectPermission

    if level not in Level.SHARE_CODENAMES:
        raise ValueError(f"cannot share at level {level}")
    if Case.objects.filter(pk__in=case_ids, office_id=office.pk).exists():
        raise ValueError("a case is not shared with its own office")
    perm = _share_permissions()[level]
    rows = [CaseGroupObjectPermission(content_object_id=pk, group_id=office.group_id, permission=perm)
            for pk in case_ids]
    before = CaseGroupObjectPermission.objects.filter(group_id=office.group_id).count()
    CaseGroupObjectPermission.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
    return CaseGroupObjectPermission.objects.filter(group_id=office.group_id).count() - before


def share_revoke(case: Any, office: Office) -> int:
    """Remove every share of `case` with `office`. Effective on the office's next request.

    Security entry point: the caller records the revocation in the audit trail.
    Returns the number of grants removed.
    """
    from cases.models import CaseGroupObjectPermission

    deleted, _by_model = CaseGroupObjectPermission.objects.filter(
        content_object_id=case.pk, group_id=office.group_id
    ).delete()
    return deleted


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


def _same_office(actor: Actor, office: Any, network: bool = False) -> bool:
    # office None: "their own office" (e.g. the admin index before an object is chosen).
    return (network and actor.network_wide) or office is None or office.pk == actor.office_id


def _requesting_worker(user: Any, actor: Actor, req: Any) -> bool:
    # Owning office, and the user still sees the case (a caseworker restricted to assigned cases).
    return actor.works_cases and req.from_office_id == actor.office_id and case_level(user, req.case) == Level.OWNER


def _receiving_worker(user: Any, actor: Actor, req: Any) -> bool:
    # The partner office, while the share that came with the request is in force.
    return actor.works_cases and req.to_office_id == actor.office_id and case_level(user, req.case) > Level.NONE


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
    # Data protection (privacy app): data subject requests and legal holds, owning supervisors.
    "person.dsar": lambda u, a, case, c: _supervisor_of(u, a, case),
    "case.legal_hold": lambda u, a, case, c: _supervisor_of(u, a, case),
    "consent.record": lambda u, a, case, c: _own_worker(u, a, case),
    "contact.disclose": lambda u, a, case, c: _own_worker(u, a, case),
    "request.send": lambda u, a, case, c: _supervisor_of(u, a, case),
    "request.accept": lambda u, a, req, c: _receiving_worker(u, a, req),
    "request.decline": lambda u, a, req, c: _receiving_worker(u, a, req),
    "request.answer": lambda u, a, req, c: _receiving_worker(u, a, req),
    "request.close": lambda u, a, req, c: _requesting_worker(u, a, req),
    "request.revoke": lambda u, a, req, c: _requesting_worker(u, a, req) and a.role == Role.SUPERVISOR,
    # obj: the office whose trail is read (None: the user's own office).
    "audit.view": lambda u, a, office, c: a.role == Role.AUDITOR and _same_office(a, office, network=True),
    # Office administrators: staff, roles and settings of their own office; no case content.
    "office.manage": lambda u, a, office, c: a.role == Role.OFFICE_ADMIN and _same_office(a, office),
    "keys.manage": lambda u, a, obj, c: False,  # operators only, through manage.py
    # Reports (docs/reports.md). obj: the office whose dashboard is read (None: one's own).
    "report.office": lambda u, a, office, c: (a.works_cases or a.role == Role.AUDITOR) and _same_office(a, office),
    # Network-wide aggregates, small counts suppressed: supervisors and auditors of any office.
    "report.network": lambda u, a, obj, c: a.role in (Role.SUPERVISOR, Role.AUDITOR),
    # Exports cover visible(user, Case) only, with person_fields redaction per case level.
    "case.export": lambda u, a, obj, c: a.works_cases or a.role == Role.AUDITOR,
    "person.export": lambda u, a, obj, c: a.works_cases,
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
