"""The suppression rule: counts 1-4 are "<5", and no withheld count can be worked out from the
total and the shown counts (checked by enumerating every table a reader could reconstruct)."""

from __future__ import annotations

import itertools
import random

from reports.suppression import SMALL, WITHHELD, protect


def displays(values: list[int]) -> tuple[list[str], str]:
    shown, total = protect(values)
    return [s.display for s in shown], total.display


def test_no_small_count_no_suppression() -> None:
    assert displays([0, 5, 12]) == (["0", "5", "12"], "17")


def test_small_total_is_withheld() -> None:
    assert displays([1, 2, 0]) == ([SMALL, SMALL, "0"], SMALL)


def test_one_small_count_withholds_a_complementary_count() -> None:
    # 3 alone could be computed as 30 - 27: the smallest other count (9) is withheld too.
    assert displays([3, 9, 18]) == ([SMALL, WITHHELD, "18"], "30")


def test_complement_must_leave_room_for_every_small_value() -> None:
    # Withholding 5 would give S = 6: x + y = 6 with y ≥ 5 pins x = 1. Only 20 leaves room.
    assert displays([1, 5, 6, 20]) == ([SMALL, "5", "6", WITHHELD], "32")


def test_total_withheld_when_nothing_is_left() -> None:
    assert displays([1, 5]) == ([SMALL, WITHHELD], WITHHELD)


def _consistent(shown: list[str], total: str, limit: int) -> list[tuple[int, ...]]:
    """Every table a reader could reconstruct from what is shown (counts up to `limit`)."""
    options = []
    for display in shown:
        if display == SMALL:
            options.append(range(1, 5))
        elif display == WITHHELD:
            options.append(range(5, limit + 1))
        else:
            options.append(range(int(display), int(display) + 1))
    return [combo for combo in itertools.product(*options)
            if total in (SMALL, WITHHELD) or sum(combo) == int(total)]


def test_no_withheld_count_can_be_recovered() -> None:
    rng = random.Random(8)
    for _ in range(300):
        values = [rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 9, 14]) for _i in range(rng.randint(1, 4))]
        shown, total = displays(values)
        if total in (SMALL, WITHHELD):
            continue  # no total to subtract from
        worlds = _consistent(shown, total, limit=sum(values) + 1)
        for i, display in enumerate(shown):
            if display == SMALL:
                assert {w[i] for w in worlds} == {1, 2, 3, 4}, (values, shown, total)
