"""Why a pair scored as it did: per field, agreement, the values compared and their weight."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from matching.compare import COMPARISONS
from matching.records import PersonRecord
from matching.scoring import ScoredPair

# The record fields each comparison reads; a comparison's values are shown only when all
# of its fields are visible to the viewer.
SOURCE_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("given_names", "family_name"),
    "given_name": ("given_names",),
    "birth_date": ("birth_date",),
    "sex": ("sex",),
    "birth_place": ("birth_place",),
    "last_known_place": ("last_known_place",),
    "father_name": ("father_name",),
    "mother_name": ("mother_name",),
    "phone": ("phone",),
}
STATUSES = ("agree", "partial", "disagree", "missing")


def status_of(comparison: str, level: str) -> str:
    """agree (strongest level), disagree (weakest), partial (between) or missing."""
    if level == "missing":
        return "missing"
    levels = COMPARISONS[comparison]
    if level == levels[0]:
        return "agree"
    return "disagree" if level == levels[-1] else "partial"


@dataclass(frozen=True)
class FieldExplanation:
    comparison: str
    status: str
    level: str
    weight: float
    left: str | None = None  # None when the viewer may not see the field
    right: str | None = None


@dataclass(frozen=True)
class Explanation:
    left_id: str
    right_id: str
    score: float
    decision: str | None
    fields: tuple[FieldExplanation, ...]

    def as_dict(self) -> dict:
        return asdict(self)

    def as_text(self) -> str:
        """One line for a CSV cell.

        For example "name=agree(+3.6); birth_date=partial(+0.8: ~1988 ~ 1987); missing: phone".
        """
        parts, missing = [], []
        for f in self.fields:
            if f.status == "missing":
                missing.append(f.comparison)
                continue
            detail = f"{f.weight:+.1f}"
            if f.left is not None:
                detail += f": {f.left} ~ {f.right}"
            parts.append(f"{f.comparison}={f.status}({detail})")
        if missing:
            parts.append("missing: " + ", ".join(missing))
        return "; ".join(parts)


def _value(record: PersonRecord, comparison: str, visible: set[str] | None) -> str:
    if comparison == "name":
        show_other = visible is None or "other_names" in visible
        names = [record.full_name, (record.other_names or "") if show_other else ""]
        return " / ".join(n for n in names if n)
    return getattr(record, SOURCE_FIELDS[comparison][0]) or ""


def explain(
    pair: ScoredPair,
    left: PersonRecord,
    right: PersonRecord,
    visible_fields: Iterable[str] | None = None,
) -> Explanation:
    """Explain a scored pair of left and right.

    visible_fields: the record fields (PersonRecord attribute names) the viewer may see;
    values of other fields are left out, though their agreement and weight are kept, since
    the score itself depends on them. None means every field is visible.
    """
    visible = None if visible_fields is None else set(visible_fields)
    fields = []
    for comparison, level in pair.levels.items():
        shown = visible is None or set(SOURCE_FIELDS[comparison]) <= visible
        fields.append(
            FieldExplanation(
                comparison=comparison,
                status=status_of(comparison, level),
                level=level,
                weight=round(pair.contributions[comparison], 2),
                left=_value(left, comparison, visible) if shown else None,
                right=_value(right, comparison, visible) if shown else None,
            )
        )
    return Explanation(pair.left_id, pair.right_id, round(pair.score, 2), pair.decision, tuple(fields))
