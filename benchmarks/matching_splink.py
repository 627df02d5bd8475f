"""Splink (DuckDB backend) on the same records as our engine, configured as its docs advise.

Input cleaning is what Splink's tutorials do: lower-case, trim, and here transliterate to
ASCII (anyascii) since Splink's string functions compare characters. Partial dates are
padded to mid-period (1988 -> 1988-07-01, 1988-03 -> 1988-03-15) for DateOfBirthComparison.
Training is unsupervised, as Splink intends: u by random sampling, m by EM on two
blocking rules, the prior from deterministic rules.
"""

from __future__ import annotations

import logging

import pyarrow as pa
import splink.comparison_library as cl
from anyascii import anyascii
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from matching.dates import parse_partial_date
from matching.evaluation import Dataset
from matching.normalize import canonical_tokens, normalise_place
from matching.records import PersonRecord

NAME_COLUMNS = ("given_names", "family_name", "father_name", "mother_name")
PLACE_COLUMNS = ("birth_place", "last_known_place")

COLUMNS = ("given_names", "family_name", "sex", "birth_place", "last_known_place",
           "father_name", "mother_name", "phone")  # fmt: skip


def _clean(text: str | None) -> str | None:
    cleaned = " ".join(anyascii(text or "").lower().replace("-", " ").split())
    return cleaned or None


def _dob(raw: str | None) -> str | None:
    d = parse_partial_date(raw)
    if d is None:
        return None
    return f"{d.year:04d}-{d.month or 7:02d}-{d.day or (15 if d.month else 1):02d}"


def _ours(column: str, text: str | None) -> str | None:
    # The variant "Splink + our normaliser": canonical name parts and place keys.
    if column in NAME_COLUMNS:
        return " ".join(canonical_tokens(text or "")) or None
    if column in PLACE_COLUMNS:
        return normalise_place(text or "") or None
    return _clean(text)


def to_table(records: list[PersonRecord], normalised: bool = False) -> pa.Table:
    clean = _ours if normalised else lambda _c, text: _clean(text)
    rows = []
    for r in records:
        row = {c: clean(c, getattr(r, c)) for c in COLUMNS}
        row["unique_id"] = r.id
        row["dob"] = _dob(r.birth_date)
        row["phone"] = "".join(ch for ch in (r.phone or "") if ch.isdigit())[-9:] or None
        row["full_name"] = " ".join(p for p in (row["given_names"], row["family_name"]) if p) or None
        rows.append(row)
    return pa.Table.from_pylist(rows)


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ForenameSurnameComparison(
                "given_names", "family_name", forename_surname_concat_col_name="full_name"
            ).configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.JaroWinklerAtThresholds("birth_place", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("last_known_place", [0.9, 0.8]),
            cl.NameComparison("father_name"),
            cl.NameComparison("mother_name"),
            cl.ExactMatch("phone"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_names"),
            block_on("family_name"),
            block_on("substr(dob, 1, 4)"),
            block_on("substr(given_names, 1, 3)", "substr(family_name, 1, 3)"),
            block_on("birth_place", "substr(dob, 1, 4)"),
            block_on("phone"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def run_splink(
    records: list[PersonRecord], *, normalised: bool = False, prior_recall: float = 0.6, seed: int = 1
) -> list[tuple[str, str, float]]:
    """(id_l, id_r, match_probability) for every pair Splink's blocking rules produce.

    prior_recall: the share of true pairs the deterministic rule (same full name and date
    of birth) finds, which Splink uses to estimate the prior; measure it on training data.
    """
    logging.getLogger("splink").setLevel(logging.WARNING)
    db_api = DuckDBAPI()
    table = db_api.register(to_table(records, normalised))
    linker = Linker(table, settings(), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match([block_on("full_name", "dob")], recall=prior_recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_names", "family_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict()
    return [(row["unique_id_l"], row["unique_id_r"], row["match_probability"]) for row in predictions.as_record_list()]


def deterministic_recall(ds: Dataset, normalised: bool) -> float:
    """Share of a labelled set's true pairs that agree exactly on full name and date of birth."""
    rows = {r["unique_id"]: r for r in to_table(ds.records, normalised).to_pylist()}
    true = ds.true_pairs()
    hits = sum(
        1 for a, b in true
        if rows[a]["full_name"] and rows[a]["full_name"] == rows[b]["full_name"]
        and rows[a]["dob"] == rows[b]["dob"]
    )  # fmt: skip
    return hits / len(true)
