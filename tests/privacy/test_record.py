"""The record of processing: generated from the models, committed, and kept up to date."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from privacy.register import OUTPUT, PROCESSING, encrypted_models, render


def test_the_committed_record_is_up_to_date() -> None:
    # Like `makemigrations --check`: a model or field change without regenerating fails here.
    assert OUTPUT.read_text(encoding="utf-8") == render(), "run: python manage.py record_of_processing"
    out = io.StringIO()
    call_command("record_of_processing", "--check", stdout=out)
    assert "up to date" in out.getvalue()


def test_every_model_with_an_encrypted_field_is_listed_with_its_fields() -> None:
    text = render()
    models = encrypted_models()
    assert {label for label, _f, _v in models} >= {"cases.Person", "cases.PersonName", "cases.Case", "cases.Note"}
    for label, names, _verbose in models:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{label}` |"))
        assert all(name in row for name in names), label
    assert "Historical" not in text  # history rows are copies, covered by their source model


def test_the_record_flags_special_categories_and_declares_the_sections() -> None:
    text = render()
    person = next(line for line in text.splitlines() if line.startswith("| `cases.Person` |"))
    assert "`description`: physical description, health" in person
    for section in ("## Recipients", "## Retention", "## Security measures"):
        assert section in text
    assert "SEARCH share" in text and "AES-256-GCM" in text and "legal hold" in text
    assert "not declared" not in text, "declare the purpose of every model in privacy/register.py"
    assert set(PROCESSING) >= {label for label, _f, _v in encrypted_models()}


def test_check_fails_on_a_stale_file(tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "record.md"
    stale.write_text("old", encoding="utf-8")
    monkeypatch.setattr("privacy.management.commands.record_of_processing.OUTPUT", stale)
    with pytest.raises(CommandError):
        call_command("record_of_processing", "--check", stdout=io.StringIO())
    call_command("record_of_processing", stdout=io.StringIO())
    assert stale.read_text(encoding="utf-8") == render()


@pytest.mark.django_db
def test_the_configured_appendix_lists_offices_and_rules(personas: object) -> None:
    from privacy.models import RetentionRule

    RetentionRule.objects.create(office=personas.home, closure_reason="deceased", years=10)
    out = io.StringIO()
    call_command("record_of_processing", "--configured", stdout=out)
    text = out.getvalue()
    assert text.startswith(render())
    assert "- KE Kenya office (KE)" in text and "- NL: deceased: erase 10 years after closure" in text
    assert OUTPUT.read_text(encoding="utf-8") == render()  # the committed file is not touched
