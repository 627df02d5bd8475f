"""Small-count suppression of network-wide tables (docs/reports.md "Suppression").

Rule, per table (a group of counts with its total):

1. Primary: a count of 1 to 4 is shown as "<5" (0 is shown: it singles out nobody).
2. Complementary: a reader who knows the total and the shown counts knows the sum S of the
   withheld ones. So while a table has a "<5" count, counts of 5 or more are withheld too
   (shown as "≥5": the smallest one that is enough on its own, else the largest, and again)
   until S ≥ p + 3 + 5·c (p counts under 5, c counts of 5 or more withheld, c ≥ 1).
   Then every "<5" count could be any of 1, 2, 3 or 4 whatever the others are: S minus 4
   still leaves at least 1 for each other "<5" and 5 for each "≥5".
3. When the table runs out of counts to withhold, its total is withheld ("≥5"; a total of 1
   to 4 is "<5" by rule 1), so there is nothing to subtract from.

Differencing between two differently filtered views (e.g. all causes minus one cause) is not
prevented by this rule; docs/reports.md says what that means.
"""

from __future__ import annotations

from dataclasses import dataclass

THRESHOLD = 5
SMALL = "<5"
WITHHELD = "≥5"


@dataclass(frozen=True)
class Shown:
    """A count as displayed: `value` is None when it is withheld."""

    value: int | None
    display: str

    @property
    def suppressed(self) -> bool:
        return self.value is None


def exact(value: int) -> Shown:
    return Shown(value, str(value))


def _deficit(withheld: list[int], small: int) -> tuple[int, int]:
    """How far the withheld sum is from p + 3 + 5·c, and c (withheld counts of 5 or more)."""
    big = len(withheld) - small
    return small + 3 + THRESHOLD * big - sum(withheld), big


def protect(values: list[int]) -> tuple[list[Shown], Shown]:
    """The counts and their total as a network-wide view may show them."""
    total = sum(values)
    shown: list[Shown] = [Shown(None, SMALL) if 0 < v < THRESHOLD else exact(v) for v in values]
    small = [v for v in values if 0 < v < THRESHOLD]
    if 0 < total < THRESHOLD:
        return shown, Shown(None, SMALL)
    if not small:
        return shown, exact(total)
    withheld = list(small)
    candidates = sorted((v, i) for i, v in enumerate(values) if v >= THRESHOLD)
    while True:
        deficit, big = _deficit(withheld, len(small))
        if big >= 1 and deficit <= 0:
            return shown, exact(total)
        if not candidates:
            return shown, Shown(None, WITHHELD)
        # Withholding v adds v - 5 of room: the smallest count that is enough on its own,
        # else the largest (fewest counts withheld).
        fitting = [c for c in candidates if c[0] - THRESHOLD >= deficit]
        value, index = fitting[0] if fitting else candidates[-1]
        candidates.remove((value, index))
        shown[index] = Shown(None, WITHHELD)
        withheld.append(value)
