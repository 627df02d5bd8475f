"""The tracing case: persons, names, places, notes, attachments, consent.

Every personal field is an encrypted field sealed under the data key of its data subject
(a person) or of the case; `PersonSearchTerm` holds the blind-index terms used to find
people without plaintext in the database.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from audit.history import AuditedManager
from cases.fields import EncryptedPartialDateField
from cases.workflow import State
from tracing.crypto.fields import EncryptedJSONField, EncryptedTextField
from tracing.models import DataKey, Office


class Priority(models.IntegerChoices):
    URGENT = 1, _("Urgent (minor or vulnerable person)")
    HIGH = 2, _("High")
    NORMAL = 3, _("Normal")


class SeparationCause(models.TextChoices):
    CONFLICT = "conflict", _("Conflict")
    DISASTER = "disaster", _("Disaster")
    MIGRATION = "migration", _("Migration")
    DETENTION = "detention", _("Detention")
    FAMILY_BREAKDOWN = "family_breakdown", _("Family breakdown")
    OTHER = "other", _("Other")


class CaseKind(models.TextChoices):
    # A register is a person list received from elsewhere (camp, hospital, PFIF repository):
    # its persons are searchable by matching, but it has no tracing workflow (see docs/exchange.md).
    TRACING = "tracing", _("Tracing case")
    REGISTER = "register", _("Received person list")


class CaseSequence(models.Model):
    """The last reference number per office and year, locked when a case is opened."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "year"], name="one_sequence_per_office_year")]

    def __str__(self) -> str:
        return f"{self.office_id}/{self.year}: {self.last}"


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(_("kind"), max_length=10, choices=CaseKind.choices, default=CaseKind.TRACING)
    state = models.CharField(_("state"), max_length=32, choices=State.choices, default=State.RECEIVED)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_cases"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("review due"), null=True, blank=True)
    # Optimistic concurrency: every write bumps it; a write with a stale version conflicts.
    version = models.PositiveIntegerField(default=1)
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")

    separation_cause = models.CharField(_("cause of separation"), max_length=20, choices=SeparationCause.choices)
    separation_date = EncryptedPartialDateField(_("date of separation"), null=True, blank=True)
    separation_place = EncryptedTextField(_("place of separation"), blank=True, plain_max_length=200)
    separation_circumstances = EncryptedTextField(_("circumstances of separation"), blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    involves_minor = models.BooleanField(_("a minor is involved"), default=False)
    vulnerable = models.BooleanField(_("a vulnerable person is involved"), default=False)
    eligibility = models.JSONField(_("eligibility answers"), default=dict, blank=True)

    state_reason = models.CharField(_("reason"), max_length=40, blank=True)
    state_reason_detail = EncryptedTextField(_("reason details"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    located_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["last_activity_at"])
    objects = AuditedManager()

    class Meta:
        ordering = ["priority", "-created_at"]
        indexes = [
            models.Index(fields=["office", "state"]),
            models.Index(fields=["office", "priority", "created_at"]),
            models.Index(fields=["assigned_to", "state"]),
            # The case list's order (Meta.ordering): with it PostgreSQL reads the first page in
            # order and stops; without it, it sorts every visible case (316 ms at 25,000).
            models.Index(fields=["priority", "-created_at"], name="case_list_order"),
        ]
        permissions = [
            ("share_search", "Shared with an office for searching"),
            ("share_full", "Shared with an office including enquirer contact and shareable notes"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state not in State.terminal()


class CaseUserObjectPermission(UserObjectPermissionBase):
    """guardian direct-FK grants of a case to one user (e.g. a caseworker of a partner office)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """guardian direct-FK grants of a case to an office's group: a share with that office."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class PersonRole(models.TextChoices):
    ENQUIRER = "enquirer", _("Enquirer")
    SOUGHT = "sought", _("Sought person")
    RELATIVE = "relative", _("Other relative who may help")
    LISTED = "listed", _("Person on a received list")


class Relationship(models.TextChoices):
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Sibling")
    SPOUSE = "spouse", _("Spouse or partner")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    AUNT_UNCLE = "aunt_uncle", _("Aunt or uncle")
    NIECE_NEPHEW = "niece_nephew", _("Niece or nephew")
    COUSIN = "cousin", _("Cousin")
    OTHER = "other", _("Other relative")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Person(models.Model):
    """A data subject: enquirer, sought person or relative. Has its own data key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="persons")
    role = models.CharField(_("role in case"), max_length=10, choices=PersonRole.choices)
    relationship = models.CharField(
        _("relationship to the enquirer"), max_length=20, choices=Relationship.choices, blank=True
    )
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    is_minor = models.BooleanField(_("is a minor"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Display name, sealed: lists decrypt this one column and nothing else.
    display_name = EncryptedTextField(_("name"), blank=True, plain_max_length=300)
    sex = EncryptedTextField(_("sex"), blank=True, choices=Sex.choices)
    birth_date = EncryptedPartialDateField(_("date of birth"), null=True, blank=True)
    birth_place = EncryptedTextField(_("place of birth"), blank=True, plain_max_length=200)
    nationality = EncryptedTextField(_("nationality"), blank=True, plain_max_length=100)
    father_name = EncryptedTextField(_("father's name"), blank=True, plain_max_length=200)
    mother_name = EncryptedTextField(_("mother's name"), blank=True, plain_max_length=200)
    phone = EncryptedTextField(_("phone"), blank=True, plain_max_length=40)
    email = EncryptedTextField(_("email"), blank=True, plain_max_length=254)
    address = EncryptedTextField(_("address"), blank=True)
    description = EncryptedTextField(_("description"), blank=True)
    languages = EncryptedJSONField(_("languages"), null=True, blank=True)

    history = HistoricalRecords()
    objects = AuditedManager()

    class Meta:
        ordering = ["role", "created_at"]
        indexes = [models.Index(fields=["case", "role"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.id}"


class ErasureReason(models.TextChoices):
    SUBJECT_REQUEST = "subject_request", _("The person asked for erasure")
    RETENTION = "retention", _("Retention period ended")
    UNLAWFUL = "unlawful", _("The data should never have been recorded")
    RISK = "risk", _("Keeping the data puts the person at risk")


class NameKind(models.TextChoices):
    PRIMARY = "primary", _("Name as written")
    TRANSLITERATION = "transliteration", _("Transliteration")
    ALIAS = "alias", _("Alias")
    MAIDEN = "maiden", _("Maiden name")
    NICKNAME = "nickname", _("Nickname")


class PersonName(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=NameKind.choices, default=NameKind.PRIMARY)
    script = models.CharField(_("script"), max_length=12, blank=True, help_text=_("e.g. Latn, Arab, Cyrl, Ethi"))
    given_names = EncryptedTextField(_("given names"), blank=True, plain_max_length=200)
    family_name = EncryptedTextField(_("family name"), blank=True, plain_max_length=200)
    family_name_first = models.BooleanField(_("family name is written first"), default=False)

    history = HistoricalRecords()
    objects = AuditedManager()

    class Meta:
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.person_id}"

    @property
    def full(self) -> str:
        parts = [self.family_name, self.given_names] if self.family_name_first else [self.given_names, self.family_name]
        return " ".join(p for p in parts if p)


class PersonPlace(models.Model):
    """A last known place, with a (partial) date."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="places")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    place = EncryptedTextField(_("place"), plain_max_length=200)
    country = models.CharField(_("country"), max_length=2, blank=True)
    date = EncryptedPartialDateField(_("when"), null=True, blank=True)

    history = HistoricalRecords()
    objects = AuditedManager()

    def __str__(self) -> str:
        return f"Place of {self.person_id}"


class PersonSearchTerm(models.Model):
    """Blind-index terms of a person (see tracing.crypto.blind): never plaintext."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="search_terms")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    index = models.CharField(max_length=16)
    term = models.CharField(max_length=16)
    key_version = models.CharField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["term", "index"]), models.Index(fields=["person", "key_version"])]

    def __str__(self) -> str:
        return f"{self.index}:{self.term}"


class PersonMatchRecord(models.Model):
    """What matching scores of a person, sealed as one value under the person's data key.

    Derived data, like the search terms: rewritten with them (cases.indexing.person_reindex),
    deleted when the person is erased, not kept in history (the person, names and places
    are). A candidate is then one row and one value to open, instead of the person, its
    names and places (three tables) and a dozen values (docs/matching.md, Phase 5).
    """

    # The person's own id: rotation and the sealing context address a row by `id`.
    id = models.UUIDField(primary_key=True, editable=False)
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="match_record")
    # Plain, as on the person: candidates of the sought person's own case are left out, and
    # roles decide whether a pair may be proposed, without reading the person row.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False)
    role = models.CharField(max_length=16)
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    record = EncryptedJSONField()

    def __str__(self) -> str:
        return f"Match record of {self.person_id}"


class NoteVisibility(models.TextChoices):
    INTERNAL = "internal", _("Internal to this office")
    SHAREABLE = "shareable", _("Shareable with partner offices")
    ENQUIRER = "enquirer", _("Shared with the enquirer")


class Note(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    visibility = models.CharField(_("visibility"), max_length=10, choices=NoteVisibility.choices)
    body = EncryptedTextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = AuditedManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Note {self.id} on {self.case_id}"


class Attachment(models.Model):
    """A document or photo. The file on disk is sealed under the person's or the case's key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    filename = EncryptedTextField(_("file name"), plain_max_length=200)
    description = EncryptedTextField(_("description"), blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    shareable = models.BooleanField(_("shareable with partner offices"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = AuditedManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Attachment {self.id} on {self.case_id}"


class ConsentScope(models.TextChoices):
    SHARE_CONTACT = "share_contact", _("Share contact details with the enquirer")
    ALIVE_ONLY = "alive_only", _("Share only that the person is alive and well")
    RELAY_MESSAGES = "relay_messages", _("Relay messages without sharing an address")
    NO_CONTACT = "no_contact", _("No contact at all")


class ConsentSource(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    ONLINE = "online", _("Online")


class Consent(models.Model):
    """A found person's decision about disclosure to the enquirer. Withdrawal ends it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(_("scope"), max_length=20, choices=ConsentScope.choices)
    source = models.CharField(_("source"), max_length=20, choices=ConsentSource.choices)
    given_on = models.DateField(_("date given"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = AuditedManager()

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} ({self.person_id})"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class DisclosureKind(models.TextChoices):
    CONTACT = "contact", _("Contact details")
    ALIVE = "alive", _("That the person is alive and well")
    MESSAGE = "message", _("A message")


class Disclosure(models.Model):
    """Exactly what was told to the enquirer about a found person, by whom, on which consent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="disclosures")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="disclosures")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="disclosures")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=DisclosureKind.choices)
    content = EncryptedTextField(_("what was told"))
    disclosed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    disclosed_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = AuditedManager()

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.case_id}"
