"""In-memory blocking: each pair once, no self pairs, index keys, common names, link mode."""

from __future__ import annotations

from matching.blocking import Blocker, dedupe_pairs, link_pairs, record_keys
from matching.evaluation import generate, pair_key
from matching.features import features
from matching.records import PersonRecord


def feats(*records: PersonRecord) -> list:
    return [features(r) for r in records]


def test_dedupe_yields_each_pair_once_without_self_pairs() -> None:
    records = feats(*generate(150, 11).records)
    pairs = list(dedupe_pairs(records))
    assert all(i < j for i, j in pairs)
    assert len(pairs) == len(set(pairs))


def test_spellings_of_one_person_are_paired_strangers_are_not() -> None:
    records = feats(
        PersonRecord("1", given_names="Mohammed Abdi", family_name="Hassan"),
        PersonRecord("2", given_names="محمد عبدي", family_name="حسن"),
        PersonRecord("3", given_names="Iryna", family_name="Boiko"),
    )
    assert list(dedupe_pairs(records)) == [(0, 1)]


def test_common_name_pairs_only_with_a_second_part_or_close_birth_year() -> None:
    common = [
        PersonRecord(f"m{i}", given_names="Mohammed", family_name=f"Zz{i:03d}q", birth_date=str(1900 + 2 * i))
        for i in range(30)
    ]
    probe = PersonRecord("p1", given_names="Mohammed", family_name="Unique", birth_date="1990")
    twin = PersonRecord("p2", given_names="Mohammed", family_name="Unique", birth_date="1991")
    near = PersonRecord("p3", given_names="Mohamed", family_name="Other", birth_date="1951")
    records = feats(*common, probe, twin, near)
    blocker = Blocker(records, max_block=10, rare_block=5)
    # The 30 other Mohammeds are too many to pair on the name alone: only the full name counts.
    assert {records[j].record.id for j in blocker.candidates(blocker.keys[30])} == {"p1", "p2"}
    # Mohammed born within two years of 1951 pairs through year_token.
    assert {records[j].record.id for j in blocker.candidates(blocker.keys[32])} == {"m25", "m26", "p3"}


def test_link_mode_pairs_left_with_right() -> None:
    left = feats(PersonRecord("a", given_names="Amina", family_name="Farah"))
    right = feats(
        PersonRecord("b", given_names="Aamina", family_name="Faarax"),
        PersonRecord("c", given_names="Olena", family_name="Koval"),
    )
    assert list(link_pairs(left, right)) == [(0, 0)]


def test_record_keys_group_values_by_name_part() -> None:
    rk = record_keys(
        features(PersonRecord("x", given_names="Sasha", family_name="Koval", phone="+380501234567", birth_date="1990"))
    )
    assert len(rk.parts) == 2 and rk.year == 1990
    assert "full_name:koval sasha" in rk.direct and "phone:+380501234567" in rk.direct
    assert {"token:alexander", "token:sasha"} <= rk.parts[0]


def test_blocking_recall_on_generated_data() -> None:
    ds = generate(300, 12)
    records = feats(*ds.records)
    found = {pair_key(records[i].record.id, records[j].record.id) for i, j in dedupe_pairs(records)}
    true = ds.true_pairs()
    assert len(found & true) / len(true) > 0.95
    assert len(found) < len(records) * (len(records) - 1) / 2 / 5  # far from all pairs
