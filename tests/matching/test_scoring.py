"""Fellegi-Sunter scoring: decisions on real-looking pairs, fitting, thresholds, weight files."""

from __future__ import annotations

import math

import pytest

from matching.compare import COMPARISONS, best_assignment, name_level, token_similarity
from matching.normalize import name_tokens
from matching.records import PersonRecord
from matching.scoring import (
    Weights,
    decide,
    estimate_weights,
    fit_thresholds,
    load_weights,
    score_pair,
)

ENQUIRY = PersonRecord(
    "nl-1", given_names="Mohammed Abdi", family_name="Hassan", sex="m", birth_date="~1988",
    birth_place="Kismayo",
)  # fmt: skip
KENYA = PersonRecord(
    "ke-7", given_names="Maxamed Cabdi", family_name="Xasan", sex="M", birth_date="1987",
    birth_place="Kismaayo", father_name="Cabdi Xasan",
)  # fmt: skip
CAMP = PersonRecord("camp-3", given_names="محمد عبدي حسن", birth_date="1987-05", birth_place="كيسمايو")


def test_the_same_man_from_three_offices_scores_likely() -> None:
    for a, b in [(ENQUIRY, KENYA), (ENQUIRY, CAMP), (KENYA, CAMP)]:
        assert score_pair(a, b).decision == "likely", (a.id, b.id)


def test_clearly_different_people_score_below_possible() -> None:
    other = PersonRecord(
        "ua-1", given_names="Oleksandr", family_name="Shevchenko", sex="m", birth_date="1960-02-01",
        birth_place="Kharkiv",
    )  # fmt: skip
    woman = PersonRecord("so-2", given_names="Fadumo", family_name="Warsame", sex="f", birth_date="2001")
    for a, b in [(ENQUIRY, other), (ENQUIRY, woman)]:
        scored = score_pair(a, b)
        assert scored.decision is None and scored.score < load_weights().possible


def test_brother_is_not_a_likely_match() -> None:
    brother = PersonRecord(
        "ke-8", given_names="Ahmed Abdi", family_name="Hassan", sex="m", birth_date="1991",
        birth_place="Kismayo", father_name="Abdi Hassan",
    )  # fmt: skip
    assert score_pair(KENYA, brother).decision != "likely"
    assert score_pair(KENYA, brother).score < score_pair(KENYA, ENQUIRY).score


def test_score_is_sum_of_contributions_and_missing_adds_nothing() -> None:
    scored = score_pair(ENQUIRY, CAMP)
    assert math.isclose(scored.score, sum(scored.contributions.values()))
    assert scored.levels["phone"] == "missing" and scored.contributions["phone"] == 0.0
    assert set(scored.levels) == set(COMPARISONS)


def test_name_order_and_dropped_middle_name() -> None:
    full = name_tokens("Mohammed Abdi Hassan")
    assert name_level(full, name_tokens("Hassan Mohammed Abdi")) == "exact"
    assert name_level(full, name_tokens("Mohammed Hassan")) == "all"
    assert name_level(full, name_tokens("Ahmed Abdi Hassan")) == "most"
    assert name_level(full, name_tokens("Oleksandr Shevchenko")) == "disagree"
    assert name_level(full, ()) == "missing"


def test_token_similarity_levels() -> None:
    (mo,), (ma,) = name_tokens("Mohammed"), name_tokens("Maxamed")
    (sasha,), (alex,) = name_tokens("Sasha"), name_tokens("Oleksandr")
    (initial,) = name_tokens("M")
    assert token_similarity(mo, ma) == 1.0
    assert token_similarity(sasha, alex) == pytest.approx(0.92)
    assert token_similarity(initial, mo) == pytest.approx(0.8)
    assert best_assignment(name_tokens("Abdi Hassan"), name_tokens("Hassan Abdi")) == [1.0, 1.0]


def _pairs(n_match: int, n_non: int) -> tuple[list, list[bool]]:
    pairs, labels = [], []
    for i in range(n_match):
        a = PersonRecord(f"a{i}", given_names="Amina", family_name="Farah", birth_date="1990-01-02")
        b = PersonRecord(f"b{i}", given_names="Aamina", family_name="Faarax", birth_date="1990-01-02")
        pairs.append((a, b))
        labels.append(True)
    for i in range(n_non):
        a = PersonRecord(f"c{i}", given_names="Amina", family_name="Farah", birth_date="1990-01-02")
        b = PersonRecord(f"d{i}", given_names="Hodan", family_name="Farah", birth_date=f"{1960 + i % 30}")
        pairs.append((a, b))
        labels.append(False)
    return pairs, labels


def test_estimate_weights_learns_from_labels() -> None:
    pairs, labels = _pairs(20, 40)
    weights = estimate_weights(pairs, labels)
    assert weights.weight("given_name", "agree") > 0 > weights.weight("given_name", "disagree")
    assert weights.weight("birth_date", "exact") > weights.weight("birth_date", "disagree")
    # every level has a finite weight, unseen levels included, thanks to smoothing
    assert all(math.isfinite(weights.weight(c, lv)) for c, lvs in COMPARISONS.items() for lv in lvs)
    for (a, b), label in zip(pairs, labels, strict=True):
        assert (score_pair(a, b, weights).decision is not None) == label


def test_fit_thresholds_recall_and_f1() -> None:
    scores = [10, 9, 8, 7, 1, 0, -1, -5]
    labels = [True, True, False, True, False, False, False, True]
    likely, possible = fit_thresholds(scores, labels)
    assert likely == 7  # top four: three of four true, F1 = 6/8
    assert possible == -5  # the last true pair is needed for 99 % recall
    assert possible <= likely


def test_weights_json_round_trip_and_decide() -> None:
    shipped = load_weights()
    again = Weights.from_json(shipped.to_json())
    assert again.m == shipped.m and again.u == shipped.u
    assert (again.likely, again.possible) == (shipped.likely, shipped.possible)
    assert shipped.possible < shipped.likely
    assert decide(shipped.likely, shipped) == "likely"
    assert decide(shipped.possible, shipped) == "possible"
    assert decide(shipped.possible - 0.01, shipped) is None
    assert decide(shipped.possible - 0.01, shipped, possible=shipped.possible - 1) == "possible"
    assert decide(shipped.likely + 1, shipped, possible=shipped.likely + 2) is None
