"""API serializers: input validation for the actions, and redacted output.

Input serializers only check shapes and choices; the rules live in cases.actions, which the
views call with `validated_data`. Output serializers derive from `RedactedSerializer`: a field
the viewer's level does not grant is skipped *before* its attribute is read, so an encrypted
value the viewer may not see is never decrypted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rest_framework import serializers
from rest_framework.relations import PKOnlyObject

from audit.access import Purpose
from cases.models import (
    Attachment,
    Case,
    Consent,
    ConsentScope,
    ConsentSource,
    ErasureReason,
    NameKind,
    Note,
    NoteVisibility,
    Person,
    PersonRole,
    Priority,
    Relationship,
    SeparationCause,
    Sex,
)
from cases.partial_dates import PartialDate
from cases.workflow import TRANSITIONS, State
from tracing.permissions import CASE_SEARCH_FIELDS, Level, person_fields

LEVEL_NAMES = {Level.SEARCH: "search", Level.FULL: "full", Level.OWNER: "owner"}

# --- shared fields -----------------------------------------------------------------------


class PartialDateField(serializers.CharField):
    """A partial date as text: 'YYYY', 'YYYY-MM', 'YYYY-MM-DD', '~YYYY' or an age ('age 35')."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("help_text", "YYYY, YYYY-MM or YYYY-MM-DD; prefix ~ if approximate.")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> PartialDate | None:  # type: ignore[override]
        text = super().to_internal_value(data)
        if not text:
            return None
        try:
            return PartialDate.parse(text)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def to_representation(self, value: Any) -> str:
        return str(value)


class ErrorSerializer(serializers.Serializer):
    """Every error response: a message, a code, and for invalid input a message list per field."""

    detail = serializers.CharField()
    code = serializers.CharField()
    # Per field a list of messages; for nested input (a person, list items) an object of that shape.
    errors = serializers.DictField(child=serializers.JSONField(), required=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")


# --- input -------------------------------------------------------------------------------


class NameInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NameKind.choices, default=NameKind.PRIMARY)
    script = serializers.CharField(max_length=12, required=False, allow_blank=True)
    given_names = serializers.CharField(max_length=200, required=False, allow_blank=True)
    family_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    family_name_first = serializers.BooleanField(required=False)


class PlaceInputSerializer(serializers.Serializer):
    place = serializers.CharField(max_length=200)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    date = PartialDateField(required=False)


class PersonInputSerializer(serializers.Serializer):
    """A person's details. Only the keys sent are written; `names` and `places` replace all."""

    names = NameInputSerializer(many=True, required=False)
    relationship = serializers.ChoiceField(choices=Relationship.choices, required=False, allow_blank=True)
    is_minor = serializers.BooleanField(required=False)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True)
    birth_date = PartialDateField(required=False)
    birth_place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    nationality = serializers.CharField(max_length=100, required=False, allow_blank=True)
    father_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    mother_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    languages = serializers.ListField(child=serializers.CharField(max_length=20), required=False)
    places = PlaceInputSerializer(many=True, required=False)


class PersonCreateSerializer(PersonInputSerializer):
    role = serializers.ChoiceField(choices=PersonRole.choices)
    version = serializers.IntegerField(min_value=1, required=False, help_text="The case version you read.")


class NeverPartial:
    """For PATCH bodies that still require `version`.

    drf-spectacular marks every PATCH body partial (nothing required); the views never
    validate these partially, so `partial` stays False and the schema keeps `version` required.
    """

    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass


class PersonUpdateSerializer(NeverPartial, PersonInputSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The case version you read.")


class CaseCreateSerializer(serializers.Serializer):
    enquirer = PersonInputSerializer()
    sought = PersonInputSerializer(many=True, allow_empty=False)
    relatives = PersonInputSerializer(many=True, required=False)
    separation_cause = serializers.ChoiceField(choices=SeparationCause.choices)
    separation_date = PartialDateField(required=False)
    separation_place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    separation_circumstances = serializers.CharField(required=False, allow_blank=True)
    languages = serializers.ListField(child=serializers.CharField(max_length=20), required=False)
    eligibility = serializers.DictField(required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    vulnerable = serializers.BooleanField(required=False)


class CaseUpdateSerializer(NeverPartial, serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The version you read; a stale one is a 409.")
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    separation_cause = serializers.ChoiceField(choices=SeparationCause.choices, required=False)
    separation_date = PartialDateField(required=False)
    separation_place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    separation_circumstances = serializers.CharField(required=False, allow_blank=True)
    languages = serializers.ListField(child=serializers.CharField(max_length=20), required=False)
    involves_minor = serializers.BooleanField(required=False)
    vulnerable = serializers.BooleanField(required=False)


class CaseListQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    assigned_to_me = serializers.BooleanField(required=False, default=False)
    reference = serializers.CharField(max_length=24, required=False)
    overdue = serializers.BooleanField(required=False, default=False, help_text="Open cases past their review date.")
    q = serializers.CharField(max_length=200, required=False, help_text="Name or phone number of a person.")


class CaseReadQuerySerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(
        choices=Purpose.choices, required=False, help_text="Why you open a case that is not your own work (logged)."
    )


class TransitionInputSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=sorted(TRANSITIONS))
    reason = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    detail = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(min_value=1, help_text="The version you read; a stale one is a 409.")


class AssignInputSerializer(serializers.Serializer):
    assigned_to = serializers.IntegerField(allow_null=True, help_text="A user id, or null to unassign.")
    version = serializers.IntegerField(min_value=1, required=False)


class EraseInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ErasureReason.choices)


class NoteInputSerializer(serializers.Serializer):
    body = serializers.CharField()
    visibility = serializers.ChoiceField(choices=NoteVisibility.choices)


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    person = serializers.UUIDField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    shareable = serializers.BooleanField(required=False, default=False)


class ConsentInputSerializer(serializers.Serializer):
    person = serializers.UUIDField()
    scope = serializers.ChoiceField(choices=ConsentScope.choices)
    source = serializers.ChoiceField(choices=ConsentSource.choices)
    given_on = serializers.DateField(required=False, allow_null=True)


# --- output ------------------------------------------------------------------------------


class RedactedSerializer(serializers.Serializer):
    """Serialises `always` plus the fields `allowed_fields(instance)` grants, and reads no other."""

    always: ClassVar[frozenset[str]] = frozenset({"id"})

    def allowed_fields(self, instance: Any) -> Iterable[str]:
        raise NotImplementedError

    def level_of(self, case_id: Any) -> int:
        return self.context["levels"][case_id]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        allowed = self.always | frozenset(self.allowed_fields(instance))
        data: dict[str, Any] = {}
        for field in self._readable_fields:
            if field.field_name not in allowed:
                continue
            attribute = field.get_attribute(instance)
            empty = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            data[field.field_name] = None if empty is None else field.to_representation(attribute)
        return data


class NameSerializer(serializers.Serializer):
    kind = serializers.CharField()
    script = serializers.CharField()
    given_names = serializers.CharField()
    family_name = serializers.CharField()
    family_name_first = serializers.BooleanField()


class PlaceSerializer(serializers.Serializer):
    place = serializers.CharField()
    country = serializers.CharField()
    date = PartialDateField()


#: Plain (unencrypted) person details shown to the owning office only.
OWNER_PERSON_EXTRAS = frozenset({"relationship", "is_minor", "created_at"})


class PersonSerializer(RedactedSerializer):
    """A person with the fields the viewer's level grants; an erased person is only a stub."""

    always = frozenset({"id", "role", "erased"})

    id = serializers.UUIDField(read_only=True)
    role = serializers.ChoiceField(choices=PersonRole.choices, read_only=True)
    erased = serializers.BooleanField(read_only=True, source="erased_at", help_text="Erased: no other fields.")
    relationship = serializers.CharField(required=False)
    is_minor = serializers.BooleanField(required=False)
    created_at = serializers.DateTimeField(required=False)
    display_name = serializers.CharField(required=False)
    names = NameSerializer(many=True, required=False, source="names.all")
    sex = serializers.CharField(required=False)
    birth_date = PartialDateField(required=False)
    birth_place = serializers.CharField(required=False)
    nationality = serializers.CharField(required=False)
    father_name = serializers.CharField(required=False)
    mother_name = serializers.CharField(required=False)
    description = serializers.CharField(required=False)
    places = PlaceSerializer(many=True, required=False, source="places.all")
    languages = serializers.ListField(child=serializers.CharField(), required=False, allow_null=True)
    phone = serializers.CharField(required=False)
    email = serializers.CharField(required=False)
    address = serializers.CharField(required=False)

    def allowed_fields(self, instance: Person) -> frozenset[str]:
        level = self.level_of(instance.case_id)
        extras = OWNER_PERSON_EXTRAS if level >= Level.OWNER else frozenset()
        return person_fields(level, instance.role) | extras

    def to_representation(self, instance: Person) -> dict[str, Any]:
        if instance.erased_at is not None:
            return {"id": str(instance.id), "role": instance.role, "erased": True}
        return {**super().to_representation(instance), "erased": False}


class PersonBriefSerializer(PersonSerializer):
    """A person in a list row: the name at most (the list loads no other column)."""

    def allowed_fields(self, instance: Person) -> frozenset[str]:
        return person_fields(self.level_of(instance.case_id), instance.role) & {"display_name"}


class _CaseBase(RedactedSerializer):
    """Case fields: the owning office sees all; a partner office only CASE_SEARCH_FIELDS."""

    always = frozenset({"id", "access_level"})

    id = serializers.UUIDField(read_only=True)
    access_level = serializers.SerializerMethodField(help_text="owner, full (partner) or search (partner).")
    reference = serializers.CharField(read_only=True)
    state = serializers.ChoiceField(choices=State.choices, read_only=True)
    priority = serializers.ChoiceField(choices=Priority.choices, read_only=True)
    office = serializers.CharField(source="office.code", required=False, help_text="The owning office's code.")
    assigned_to = serializers.IntegerField(source="assigned_to_id", required=False, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(required=False)
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False)
    involves_minor = serializers.BooleanField(read_only=True)

    def get_access_level(self, instance: Case) -> str:
        return LEVEL_NAMES[self.level_of(instance.id)]

    def allowed_fields(self, instance: Case) -> frozenset[str]:
        if self.level_of(instance.id) >= Level.OWNER:
            return frozenset(self.fields)
        return CASE_SEARCH_FIELDS


class CaseListSerializer(_CaseBase):
    always = frozenset({"id", "access_level", "sought"})

    sought = PersonBriefSerializer(many=True, read_only=True, source="sought_persons")


class CaseDetailSerializer(_CaseBase):
    always = frozenset({"id", "access_level", "persons"})

    separation_cause = serializers.ChoiceField(choices=SeparationCause.choices, read_only=True)
    separation_date = PartialDateField(required=False)
    separation_place = serializers.CharField(required=False)
    separation_circumstances = serializers.CharField(required=False)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    vulnerable = serializers.BooleanField(required=False)
    eligibility = serializers.DictField(required=False)
    state_reason = serializers.CharField(required=False)
    state_reason_detail = serializers.CharField(required=False)
    accepted_at = serializers.DateTimeField(required=False, allow_null=True)
    located_at = serializers.DateTimeField(required=False, allow_null=True)
    closed_at = serializers.DateTimeField(required=False, allow_null=True)
    persons = PersonSerializer(many=True, read_only=True, source="visible_persons",
                               help_text="The persons the viewer's level shows.")


class CaseStateSerializer(serializers.ModelSerializer):
    """A write's outcome without personal data: where the case stands now."""

    class Meta:
        model = Case
        fields = ["id", "reference", "state", "state_reason", "priority", "assigned_to", "version", "updated_at"]
        read_only_fields = fields


class ReasonChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class TransitionOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField(help_text="The state the case moves to (see `state`).")
    reasons = ReasonChoiceSerializer(many=True, allow_null=True, help_text="null: this step takes no reason.")
    requires_consent = serializers.ListField(child=serializers.CharField())


class NoteSerializer(serializers.ModelSerializer):
    author_office = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Note
        fields = ["id", "case", "visibility", "body", "author", "author_office", "created_at"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "case", "person", "filename", "description", "content_type", "size", "shareable",
                  "uploaded_by", "created_at"]
        read_only_fields = fields


class ConsentSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Consent
        fields = ["id", "case", "person", "scope", "source", "given_on", "recorded_by", "recorded_at",
                  "withdrawn_at", "active"]
        read_only_fields = fields

