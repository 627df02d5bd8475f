"""All writes of the partners app. The API, the page, the commands and the tasks call these.

Registration and keys: office administrators of the office a partner acts for (the policy's
`office.manage`). Submissions: the partner's service user, through the network actions
(`request_send`, `request_accept`, `request_answer`), so the one policy decides as for staff.
"""

from __future__ import annotations

import os
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.events import record_event
from cases.actions import case_open
from partners import signing
from partners.models import KeyAlgorithm, PartnerKey, PartnerSystem, WebhookSubscription
from partners.webhooks import acting_partner, check_webhook_url
from tracing.crypto.datakeys import data_key_create
from tracing.exceptions import NotFound, NotPermitted, ValidationFailed
from tracing.models import Office, Role, StaffProfile
from tracing.network import actions as network
from tracing.network.access import access_request
from tracing.network.models import RequestStatus, TracingRequest
from tracing.permissions import can

#: A new key replaces older ones after this overlap, unless they expire sooner.
ROTATION_OVERLAP = timedelta(days=7)


def _managed_partner(user: Any, partner_id: Any, *, for_update: bool = False) -> PartnerSystem:
    """A partner system the user administers (its office's administrator); 404 otherwise."""
    qs = PartnerSystem.objects.select_related("office", "data_key")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        partner = qs.get(pk=partner_id)
    except (PartnerSystem.DoesNotExist, DjangoValidationError, ValueError, TypeError) as exc:
        raise NotFound("No such partner system.") from exc
    if not can(user, "office.manage", partner.office):
        raise NotFound("No such partner system.")
    return partner


@transaction.atomic
def partner_register(*, acting_user: Any, office_id: int, name: str) -> PartnerSystem:
    """Register a partner system acting for `office`, with its own service user (a supervisor
    of that office: it sends and answers tracing requests like one)."""
    office = Office.objects.filter(pk=office_id).first()
    if office is None or not can(acting_user, "office.manage", office):
        raise NotPermitted(_("Only the office's administrators register partner systems."))
    if not (name or "").strip():
        raise ValidationFailed(_("Please correct the highlighted fields."), field_errors={"name": [_("Required.")]})
    user = get_user_model().objects.create_user(username=f"partner-{secrets.token_hex(6)}", password=None)
    StaffProfile.objects.create(user=user, office=office, role=Role.SUPERVISOR)
    partner = PartnerSystem.objects.create(name=name.strip(), office=office, service_user=user,
                                           data_key=data_key_create(purpose="partner"), registered_by=acting_user)
    record_event(event_type="partner.registered", actor=acting_user, office=office,
                 data={"partner_id": str(partner.id), "service_user_id": user.pk})
    return partner


def _new_key_id() -> str:
    return f"pk_{secrets.token_hex(8)}"


@transaction.atomic
def partner_key_add(*, acting_user: Any, partner_id: Any, algorithm: str, public_key: str = "",
                    not_before: datetime | None = None, expires_at: datetime | None = None,
                    event: str = "partner.key_created") -> tuple[PartnerKey, str]:
    """Add a signing key. Ed25519: give the base64url public key. HMAC: a 32-byte secret is
    generated and returned once (the caller shows it once; it is stored sealed, never logged)."""
    partner = _managed_partner(acting_user, partner_id, for_update=True)
    secret = ""
    if algorithm == KeyAlgorithm.ED25519:
        try:
            if len(signing.b64d(public_key)) != 32:
                raise ValueError("length")
        except ValueError:
            raise ValidationFailed(_("Please correct the highlighted fields."),
                                   field_errors={"public_key": [_("Give a raw 32-byte Ed25519 public key, "
                                                                  "base64url.")]}) from None
    elif algorithm == KeyAlgorithm.HMAC_SHA256:
        public_key, secret = "", signing.b64e(os.urandom(32))
    else:
        raise ValidationFailed(_("Please correct the highlighted fields."),
                               field_errors={"algorithm": [_("Choose ed25519 or hmac-sha256.")]})
    key = PartnerKey.objects.create(partner=partner, key_id=_new_key_id(), algorithm=algorithm,
                                    public_key=public_key.strip(), data_key=partner.data_key, secret=secret,
                                    not_before=not_before or timezone.now(), expires_at=expires_at,
                                    created_by=acting_user)
    record_event(event_type=event, actor=acting_user, office=partner.office,
                 data={"partner_id": str(partner.id), "key_id": key.key_id, "algorithm": algorithm})
    return key, secret


@transaction.atomic
def partner_key_rotate(*, acting_user: Any, partner_id: Any, algorithm: str, public_key: str = "",
                       overlap: timedelta = ROTATION_OVERLAP) -> tuple[PartnerKey, str]:
    """Add a new key; the partner's other valid keys keep working until `overlap` has passed
    (or their own earlier expiry), so its deployments can switch without a failed request."""
    key, secret = partner_key_add(acting_user=acting_user, partner_id=partner_id, algorithm=algorithm,
                                  public_key=public_key, event="partner.key_rotated")
    until = timezone.now() + overlap
    old = PartnerKey.objects.filter(partner_id=key.partner_id, revoked_at__isnull=True).exclude(pk=key.pk)
    old.filter(expires_at__isnull=True).update(expires_at=until)
    old.filter(expires_at__gt=until).update(expires_at=until)
    return key, secret


@transaction.atomic
def partner_key_revoke(*, acting_user: Any, key_id: str) -> PartnerKey:
    """Revoke a key at once: its next request is a 401 key_revoked."""
    key = PartnerKey.objects.select_for_update().filter(key_id=key_id).first()
    if key is None:
        raise NotFound("No such key.")
    partner = _managed_partner(acting_user, key.partner_id)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record_event(event_type="partner.key_revoked", actor=acting_user, office=partner.office,
                     data={"partner_id": str(partner.id), "key_id": key.key_id})
    return key


@transaction.atomic
def partner_request_submit(*, partner: PartnerSystem, to_office: str, case: dict[str, Any], question: str,
                           due_date: date, share_level: str, external_reference: str = "") -> TracingRequest:
    """A partner asks one of our offices to search: a case of the partner's office holds its
    enquirer and sought person, and `request_send` shares it with our office."""
    office = Office.objects.filter(code=to_office).exclude(pk=partner.office_id).first()
    if office is None:
        raise ValidationFailed(_("Please correct the highlighted fields."),
                               field_errors={"to_office": [_("No such office.")]})
    user = partner.service_user
    with acting_partner(partner):
        new_case = case_open(acting_user=user, **case)
        sought = new_case.persons.filter(role="sought").order_by("pk").first()
        req = network.request_send(acting_user=user, case_id=new_case.pk, to_office_id=office.pk,
                                   sought_person_id=sought.pk, question=question, due_date=due_date,
                                   share_level=share_level)
    record_event(event_type="partner.request_submitted", actor=user, office=partner.office, case_id=new_case.pk,
                 data={"partner_id": str(partner.id), "request_id": str(req.id), "to_office_id": office.pk,
                       "has_external_reference": bool(external_reference)})
    return req


@transaction.atomic
def partner_request_answer(*, partner: PartnerSystem, request_id: Any, outcome: str, answer: str,
                           consent_status: str = "", searched: str = "") -> TracingRequest:
    """A partner answers a request one of our offices sent to it (accepting it first if needed)."""
    user = partner.service_user
    with acting_partner(partner):
        req = access_request(user, request_id, action="request.answer")
        if req.status == RequestStatus.SENT:
            network.request_accept(acting_user=user, request_id=req.pk)
        req = network.request_answer(acting_user=user, request_id=req.pk, outcome=outcome, answer=answer,
                                     consent_status=consent_status, searched=searched)
    record_event(event_type="partner.answer_submitted", actor=user, office=partner.office, case_id=req.case_id,
                 data={"partner_id": str(partner.id), "request_id": str(req.id), "outcome": outcome})
    return req


@transaction.atomic
def webhook_subscribe(*, partner: PartnerSystem, url: str, secret: str) -> WebhookSubscription:
    """Subscribe `url` to the partner's request events (HTTPS, public address, 32+ character secret)."""
    errors: dict[str, list[str]] = {}
    problem = check_webhook_url(url)
    if problem:
        errors["url"] = [problem]
    if len(secret or "") < 32:
        errors["secret"] = [_("Use a secret of at least 32 characters.")]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), field_errors=errors)
    sub = WebhookSubscription.objects.create(partner=partner, url=url, data_key=partner.data_key, secret=secret)
    record_event(event_type="partner.webhook_subscribed", actor=partner.service_user, office=partner.office,
                 data={"partner_id": str(partner.id), "subscription_id": str(sub.id)})
    return sub


@transaction.atomic
def webhook_unsubscribe(*, partner: PartnerSystem, subscription_id: Any) -> None:
    """Stop deliveries to a subscription of this partner (another partner's is a 404)."""
    sub = WebhookSubscription.objects.select_for_update().filter(pk=subscription_id, partner=partner).first()
    if sub is None:
        raise NotFound("No such webhook subscription.")
    if sub.active:
        sub.active = False
        sub.save(update_fields=["active"])
        record_event(event_type="partner.webhook_removed", actor=partner.service_user, office=partner.office,
                     data={"partner_id": str(partner.id), "subscription_id": str(sub.id)})
