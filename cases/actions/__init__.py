"""All writes to cases. Views, API, admin, commands and tasks call these and nothing else."""

from cases.actions.case import case_assign, case_open, case_transition, case_update
from cases.actions.consent import consent_record, consent_withdraw, contact_disclose
from cases.actions.notes import attachment_add, note_add
from cases.actions.persons import person_add, person_erase, person_update

__all__ = [
    "attachment_add", "case_assign", "case_open", "case_transition", "case_update", "consent_record",
    "consent_withdraw", "contact_disclose", "note_add", "person_add", "person_erase", "person_update",
]
