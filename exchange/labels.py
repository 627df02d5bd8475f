"""Labels this app added to the cases app (Case.kind, the "listed" role, the refusal of
transitions on a register), repeated here so that they are in this app's Dutch catalogue:
the root catalogue is kept by another team, and Django merges every app's catalogue."""

from django.utils.translation import gettext_lazy as _

CASES_LABELS = (
    _("Tracing case"),
    _("Received person list"),
    _("Person on a received list"),
    _("A received person list has no workflow steps."),
)
