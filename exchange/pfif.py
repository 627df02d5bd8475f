"""PFIF 1.4 (People Finder Interchange Format, http://zesty.ca/pfif/1.4/): parse and write.

Security entry point: every PFIF document is parsed here, with defusedxml and a DTD ban (no
entity expansion, no external references: "billion laughs" and XXE are refused), after a
size check. The document is then checked against the specification's structure: the root
element, the record types, each record's fields and their order, the mandatory fields,
and the formats of dates, sex, status and country codes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError, SubElement, register_namespace, tostring

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _

from exchange.fields import COUNTRIES
from exchange.readers import check_size
from tracing.exceptions import ValidationFailed

NS = "http://zesty.ca/pfif/1.4"

#: Fields of a person record, in the specification's order.
PERSON_FIELDS = (
    "person_record_id", "entry_date", "expiry_date", "author_name", "author_email", "author_phone",
    "source_name", "source_date", "source_url", "full_name", "given_name", "family_name", "alternate_names",
    "description", "sex", "date_of_birth", "age", "home_street", "home_neighborhood", "home_city",
    "home_state", "home_postal_code", "home_country", "photo_url", "profile_urls",
)
#: Fields of a note record, in the specification's order.
NOTE_FIELDS = (
    "note_record_id", "person_record_id", "linked_person_record_id", "entry_date", "author_name",
    "author_email", "author_phone", "source_date", "author_made_contact", "status", "email_of_found_person",
    "phone_of_found_person", "last_known_location", "text", "photo_url",
)
PERSON_MANDATORY = ("person_record_id", "source_date", "full_name")
NOTE_MANDATORY = ("note_record_id", "author_name", "source_date", "text")
SEX_VALUES = ("female", "male", "other")
NOTE_STATUS = ("information_sought", "is_note_author", "believed_alive", "believed_missing", "believed_dead")

_RECORD_ID = re.compile(r"^[A-Za-z0-9.-]+(?::\d+)?/\S+$")
_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$")
_DOB = re.compile(r"^\d{4}(?:-\d\d(?:-\d\d)?)?$")
_AGE = re.compile(r"^\d{1,3}(?:-\d{1,3})?$")
# Characters XML 1.0 cannot carry at all: dropped on export.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

register_namespace("pfif", NS)


@dataclass
class Document:
    persons: list[dict[str, str]] = field(default_factory=list)
    # Notes keyed by the person_record_id they are about (nested or top-level).
    notes: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @property
    def note_count(self) -> int:
        return sum(len(n) for n in self.notes.values())


def _local(tag: str) -> str | None:
    prefix = "{" + NS + "}"
    return tag[len(prefix):] if tag.startswith(prefix) else None


def _refuse(where: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Not valid PFIF 1.4 (%(where)s): %(problem)s") % {"where": where, "problem": message})


def _fields(element: Element, allowed: tuple[str, ...], where: str, *, nested: tuple[str, ...] = ()) -> dict:
    values: dict[str, str] = {}
    last = -1
    for child in element:
        name = _local(child.tag)
        if name in nested:
            continue
        if name not in allowed:
            raise _refuse(where, _("unexpected element %s") % child.tag)
        position = allowed.index(name)
        if position <= last:
            raise _refuse(where, _("element %s is repeated or out of order") % name)
        last = position
        if len(child):
            raise _refuse(where, _("element %s must hold text only") % name)
        values[name] = (child.text or "").strip()
    return values


def _check_values(values: dict[str, str], mandatory: tuple[str, ...], where: str) -> None:
    for name in mandatory:
        if not values.get(name):
            raise _refuse(where, _("%s is required") % name)
    for name in ("entry_date", "expiry_date", "source_date"):
        if values.get(name) and not _UTC.match(values[name]):
            raise _refuse(where, _("%s must be a UTC time like 2010-01-16T17:32:00Z") % name)
    for name in ("person_record_id", "note_record_id", "linked_person_record_id"):
        if values.get(name) and not _RECORD_ID.match(values[name]):
            raise _refuse(where, _("%s must look like domain/id") % name)
    if values.get("sex") and values["sex"] not in SEX_VALUES:
        raise _refuse(where, _("sex must be female, male or other"))
    if values.get("date_of_birth") and not _DOB.match(values["date_of_birth"]):
        raise _refuse(where, _("date_of_birth must be YYYY, YYYY-MM or YYYY-MM-DD"))
    if values.get("age") and not _AGE.match(values["age"]):
        raise _refuse(where, _("age must be a number or a range like 30-40"))
    if values.get("home_country") and values["home_country"].upper() not in COUNTRIES:
        raise _refuse(where, _("home_country must be an ISO 3166-1 country code"))
    if values.get("status") and values["status"] not in NOTE_STATUS:
        raise _refuse(where, _("unknown note status"))
    if values.get("author_made_contact") and values["author_made_contact"] not in ("true", "false"):
        raise _refuse(where, _("author_made_contact must be true or false"))


def parse(content: bytes) -> Document:
    """Parse and validate a PFIF 1.4 document, or raise ValidationFailed and keep nothing."""
    check_size(len(content))
    try:
        root = DET.fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ValidationFailed(_("The XML file declares a DTD or entities; they are refused.")) from exc
    except (ParseError, ValueError) as exc:
        raise ValidationFailed(_("The file is not well-formed XML: %s") % exc) from exc
    if _local(root.tag) != "pfif":
        raise _refuse(_("root"), _("the root element must be pfif in the namespace %s") % NS)
    doc = Document()
    seen: set[str] = set()
    for number, record in enumerate(root, start=1):
        kind = _local(record.tag)
        where = _("record %d") % number
        if kind == "person":
            person = _fields(record, PERSON_FIELDS, where, nested=("note",))
            _check_values(person, PERSON_MANDATORY, where)
            if person["person_record_id"] in seen:
                raise _refuse(where, _("person_record_id appears twice"))
            seen.add(person["person_record_id"])
            doc.persons.append(person)
            for child in record:
                if _local(child.tag) == "note":
                    note = _fields(child, NOTE_FIELDS, where)
                    _check_values(note, NOTE_MANDATORY, where)
                    if note.get("person_record_id", person["person_record_id"]) != person["person_record_id"]:
                        raise _refuse(where, _("a nested note must be about its person"))
                    note["person_record_id"] = person["person_record_id"]
                    doc.notes.setdefault(person["person_record_id"], []).append(note)
        elif kind == "note":
            note = _fields(record, NOTE_FIELDS, where)
            _check_values(note, (*NOTE_MANDATORY, "person_record_id"), where)
            doc.notes.setdefault(note["person_record_id"], []).append(note)
        else:
            raise _refuse(where, _("unexpected element %s") % record.tag)
    return doc


def person_values(record: dict[str, str]) -> dict[str, str]:
    """A PFIF person record as the target fields of a person list (exchange.fields)."""
    values = {
        "given_names": record.get("given_name", ""),
        "family_name": record.get("family_name", ""),
        "full_name": record.get("full_name", ""),
        "sex": record.get("sex", ""),
        "birth_date": record.get("date_of_birth", "") or record.get("age", "").split("-")[0],
        "description": record.get("description", ""),
        "address": record.get("home_street", ""),
        "last_place": ", ".join(
            record[k] for k in ("home_neighborhood", "home_city", "home_state") if record.get(k)
        ),
        "last_country": record.get("home_country", ""),
    }
    return {k: v for k, v in values.items() if v}


def utc(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def write(persons: list[dict[str, str]], notes: dict[str, list[dict[str, str]]] | None = None) -> bytes:
    """A PFIF 1.4 document: each person with its notes nested, fields in the spec's order."""
    root = Element(f"{{{NS}}}pfif")
    for person in persons:
        element = SubElement(root, f"{{{NS}}}person")
        for name in PERSON_FIELDS:
            if person.get(name):
                SubElement(element, f"{{{NS}}}{name}").text = _NOT_XML.sub("", person[name])
        for note in (notes or {}).get(person["person_record_id"], []):
            note_element = SubElement(element, f"{{{NS}}}note")
            for name in NOTE_FIELDS:
                if note.get(name):
                    SubElement(note_element, f"{{{NS}}}{name}").text = _NOT_XML.sub("", note[name])
    return tostring(root, encoding="utf-8", xml_declaration=True)
