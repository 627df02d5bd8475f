"""The blind-index contract: index names, shared keys across spellings, phones, phonetic codes."""

from __future__ import annotations

import jellyfish

from matching.keys import (
    INDEX_NAMES,
    MAX_PAIRS_PER_PERSON,
    normalise_phone,
    normalise_tokens,
    person_index_values,
    query_index_values,
)
from matching.phonetic import DEFAULT_SCHEME, phonetic_codes, skeleton
from tracing.crypto.blind import INDEXES


def test_index_names_are_those_the_encryption_layer_defines() -> None:
    assert set(INDEX_NAMES) == set(INDEXES)
    values = person_index_values(names=["Mohammed Hassan"], birth_year=1988, phones=["+254712345678"])
    assert set(values) == set(INDEXES)
    assert all(isinstance(v, set) and all(isinstance(x, str) for x in v) for v in values.values())


def test_spellings_of_one_person_share_token_full_name_and_phonetic_values() -> None:
    latin = person_index_values(names=["Mohammed Abdi Hassan"])
    somali = query_index_values("Maxamed Cabdi Xasan")
    arabic = query_index_values("محمد عبدي حسن")
    for index in ("token", "full_name", "phonetic"):
        assert latin[index] & somali[index] & arabic[index], index
    assert {"mohammed", "abdi", "hassan"} <= latin["token"]
    assert latin["full_name"] == {"abdi hassan mohammed"}


def test_swapped_order_gives_same_full_name_value() -> None:
    a = person_index_values(names=["Shevchenko Oleksandr"])
    b = person_index_values(names=["Олександр Шевченко"])
    assert a["full_name"] == b["full_name"] == {"alexander shevchenko"}


def test_year_token_for_stored_person_and_tolerant_query() -> None:
    stored = person_index_values(names=["Amina Farah"], birth_year=1990)
    assert stored["year_token"] == {"1990|amina", "1990|farah"}
    query = query_index_values("Aamina Faarax", birth_year=1991)
    assert "1990|amina" in query["year_token"] and "1993|farah" in query["year_token"]
    assert "1994|farah" not in query["year_token"]


def test_nickname_indexes_formal_names_too() -> None:
    values = person_index_values(names=["Sasha Koval"])
    assert {"sasha", "alexander", "alexandra", "koval"} <= values["token"]


def test_initials_are_not_indexed() -> None:
    values = person_index_values(names=["M. Hassan"])
    assert values["token"] == {"hassan"}


def test_phone_query_and_normalisation() -> None:
    assert query_index_values("+31 6 1234 5678") == {"phone": {"+31612345678"}}
    assert normalise_phone("0612345678", "NL") == "+31612345678"
    assert normalise_phone("not a phone") is None
    stored = person_index_values(names=["X Y"], phones=["+254 712 345 678", "garbage"])
    assert stored["phone"] == {"+254712345678"}


def test_normalise_tokens_is_canonical_parts() -> None:
    assert normalise_tokens("Xaliimo bint Cabdullaahi") == ["halima", "abdullah"]


def test_phonetic_codes_use_each_algorithm_of_the_scheme() -> None:
    assert DEFAULT_SCHEME == ("soundex", "skeleton")  # chosen with benchmarks/matching_phonetic.py
    assert phonetic_codes("hassan") == {"s:H250", "k:hsn"}
    assert phonetic_codes("m") == set()
    codes = phonetic_codes("hassan", ["metaphone", "nysiis", "mrc"])
    assert codes == {f"m:{jellyfish.metaphone('hassan')}", f"n:{jellyfish.nysiis('hassan')}", "r:HSN"}


def test_skeleton_meets_unvowelled_arabic() -> None:
    assert skeleton("mohammed") == skeleton("mhmd") == "mhmd"
    assert skeleton("omar") == skeleton("umar") == "mr"
    assert skeleton("yusuf") == skeleton("ywsf") == "ysf"


def test_typo_shares_token_value_through_correction() -> None:
    assert person_index_values(names=["Bonearenko"])["token"] & person_index_values(names=["Bondarenko"])["token"]


def test_name_pairs_are_unordered_canonical_and_per_name() -> None:
    stored = person_index_values(names=["Hassan Ali Omar", "Abu Bakr"])  # Abu Bakr: one compound part
    assert stored["name_pair"] == {"ali|hassan", "ali|omar", "hassan|omar"}
    # Another order and another script give the same pairs; one part alone gives none.
    assert person_index_values(names=["عمر حسن علي"])["name_pair"] == stored["name_pair"]
    assert person_index_values(names=["Hassan"])["name_pair"] == set()
    assert person_index_values(names=["Ali Ali"])["name_pair"] == set()
    # A part's other forms (abdi is also a short form of abdullah, abdrahman) are paired too.
    assert {"abdi|hassan", "abdullah|hassan"} <= person_index_values(names=["Maxamed Cabdi Xasan"])["name_pair"]


def test_name_pairs_are_capped_with_canonical_pairs_first() -> None:
    long_name = "Mohammed Abdi Hassan Ali Omar Farah Warsame Yusuf"  # 8 parts: 28 canonical pairs
    pairs = person_index_values(names=[long_name])["name_pair"]
    assert len(pairs) == MAX_PAIRS_PER_PERSON
    parts = set(normalise_tokens(long_name))
    assert all(set(pair.split("|")) <= parts for pair in pairs)
    # A nickname's formal names are paired too, after the canonical parts.
    assert {"koval|sasha", "alexander|koval", "alexandra|koval"} <= person_index_values(names=["Sasha Koval"])[
        "name_pair"
    ]


def test_a_free_text_query_has_no_name_pairs() -> None:
    # person_search ranks on its own tokens; pairs are for comparing stored persons.
    assert query_index_values("Mohammed Abdi Hassan")["name_pair"] == set()
