"""Explanations: per-field status, values only for visible fields, weights, one-line text."""

from __future__ import annotations

from matching.explain import explain, status_of
from matching.records import PersonRecord
from matching.scoring import score_pair

A = PersonRecord(
    "a", given_names="Mohammed Abdi", family_name="Hassan", sex="m", birth_date="1988",
    birth_place="Kismayo", phone="+254712345678",
)  # fmt: skip
B = PersonRecord(
    "b", given_names="Maxamed Cabdi", family_name="Xasan", sex="f", birth_date="1987-05-01",
    birth_place="Kismaayo", phone="+254712345678",
)  # fmt: skip


def test_status_per_field() -> None:
    fields = {f.comparison: f for f in explain(score_pair(A, B), A, B).fields}
    assert fields["name"].status == "agree"
    assert fields["birth_place"].status == "agree"
    assert fields["birth_date"].status == "partial"
    assert fields["sex"].status == "disagree"
    assert fields["father_name"].status == "missing" and fields["father_name"].weight == 0
    assert fields["phone"].status == "agree" and fields["phone"].weight > 0


def test_weights_add_up_to_the_score() -> None:
    pair = score_pair(A, B)
    explanation = explain(pair, A, B)
    assert abs(sum(f.weight for f in explanation.fields) - explanation.score) < 0.1
    assert explanation.decision == pair.decision


def test_all_values_shown_without_a_visibility_set() -> None:
    fields = {f.comparison: f for f in explain(score_pair(A, B), A, B).fields}
    assert (fields["phone"].left, fields["phone"].right) == ("+254712345678", "+254712345678")
    assert fields["name"].left == "Mohammed Abdi Hassan"


def test_hidden_fields_have_no_values_but_keep_status_and_weight() -> None:
    explanation = explain(score_pair(A, B), A, B, visible_fields={"given_names", "family_name", "birth_date"})
    fields = {f.comparison: f for f in explanation.fields}
    assert fields["name"].right == "Maxamed Cabdi Xasan"
    assert fields["birth_date"].left == "1988"
    for hidden in ("phone", "sex", "birth_place"):
        assert fields[hidden].left is None and fields[hidden].right is None
        assert fields[hidden].status != "missing"
    text = explanation.as_text()
    assert "+254712345678" not in text and "Kismaayo" not in text
    assert "Maxamed Cabdi Xasan" in text


def test_text_form() -> None:
    text = explain(score_pair(A, B), A, B, visible_fields=()).as_text()
    assert "\n" not in text
    assert text.startswith("name=agree(+")
    assert "sex=disagree(-" in text
    assert text.endswith("missing: last_known_place, father_name, mother_name")


def test_status_of_levels() -> None:
    assert status_of("birth_date", "exact") == "agree"
    assert status_of("birth_date", "near") == "partial"
    assert status_of("birth_date", "disagree") == "disagree"
    assert status_of("sex", "missing") == "missing"
