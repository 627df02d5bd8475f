"""The phone normaliser on any input: never a crash; always E.164 or a clear ValidationFailed.

`matching.keys.normalise_phone` is what the intake forms, the API and the blind index use;
`cases.actions.persons.person_values_clean` is where a person's phone is validated.
"""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cases.actions.persons import person_values_clean
from matching.keys import normalise_phone
from tracing.exceptions import ValidationFailed

E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
REGIONS = sorted(r for r in phonenumbers.SUPPORTED_REGIONS if phonenumbers.example_number(r) is not None)
FORMATS = (phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164)
PHONE_CHARS = st.sampled_from("0123456789+-() ./x#*٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹\u00a0\u200f")

# Text in general, and text made of what phone numbers are made of (digits in several scripts,
# separators, extensions), so the parser's deeper paths are reached too.
any_text = st.one_of(st.text(max_size=300), st.text(PHONE_CHARS, max_size=60))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(raw=any_text)
@example(raw="")
@example(raw="+")
@example(raw="+" + "9" * 300)
@example(raw="tel:+31-6-1234-5678;ext=12")
@example(raw="+٣١٦١٢٣٤٥٦٧٨")
def test_normalise_phone_never_crashes_and_gives_e164_or_none(raw: str) -> None:
    result = normalise_phone(raw)
    assert result is None or E164.match(result), result
    if result is not None:
        assert normalise_phone(result) == result  # idempotent: E.164 in, the same out


@settings(max_examples=200, deadline=None, derandomize=True)
@given(region=st.sampled_from(REGIONS), fmt=st.sampled_from(FORMATS), spacer=st.sampled_from(["", " ", "-", "."]))
def test_real_numbers_in_any_layout_give_their_e164(region: str, fmt: int, spacer: str) -> None:
    number = phonenumbers.example_number(region)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    written = phonenumbers.format_number(number, fmt).replace(" ", spacer)
    assert normalise_phone(written) == e164


@settings(max_examples=300, deadline=None, derandomize=True)
@given(raw=any_text)
def test_person_phone_is_stored_as_e164_or_refused_clearly(raw: str) -> None:
    try:
        clean = person_values_clean({"phone": raw})
    except ValidationFailed as exc:
        assert set(exc.field_errors) == {"phone"} and exc.field_errors["phone"]
        return
    assert clean["phone"] == "" or E164.match(clean["phone"])
    if raw.strip() and clean["phone"] == "":
        pytest.fail(f"{raw!r} was dropped silently")
