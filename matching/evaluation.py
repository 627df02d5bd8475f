"""Synthetic evaluation data with known truth, damaged the way field registrations are.

An *entity* is a real person; each produces one to four *records* as different offices
registered them: in Arabic, Cyrillic, Ge'ez or Latin script, with other romanisations,
typos, OCR errors, swapped or dropped name parts, nicknames, partial or shifted birth
dates, moved last-known places and missing fields. Some entities have siblings (same
father, family name, mother and birthplace): different people who look alike, which is
what makes tracing hard. Pools: matching/data/eval_name_pool.txt and name_variants.txt.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

from matching import lexicon
from matching.corruption import ocr_error, romanise_differently, typo
from matching.records import PersonRecord

PATRONYMIC = {"somali", "ethiopian"}  # given + father + grandfather, no family name
NATIVE_SCRIPT = {"somali": 0.15, "arabic": 0.4, "afghan": 0.4, "ukrainian": 0.45, "ethiopian": 0.35}
_SCRIPTS = {
    "arabic": re.compile(r"[\u0600-\u06FF]"),
    "cyrillic": re.compile(r"[\u0400-\u04FF]"),
    "ethiopic": re.compile(r"[\u1200-\u137F]"),
}
SCRIPT_OF_ORIGIN = {"somali": "arabic", "arabic": "arabic", "afghan": "arabic",
                    "ukrainian": "cyrillic", "ethiopian": "ethiopic"}  # fmt: skip


@lru_cache(maxsize=1)
def pools() -> dict[str, dict[str, list[str]]]:
    """origin -> kind -> names (or places), most frequent first."""
    out: dict[str, dict[str, list[str]]] = {}
    origin = kind = ""
    for line in lexicon.data_lines("eval_name_pool.txt"):
        if line.startswith("["):
            origin, kind = line.strip("[]").split()
            out.setdefault(origin, {})[kind] = []
        else:
            out[origin][kind].extend(line.split())
    return out


@lru_cache(maxsize=65536)
def script_of(text: str) -> str:
    for name, pattern in _SCRIPTS.items():
        if pattern.search(text):
            return name
    return "latin"


def spellings(canon: str, table: lexicon.VariantTable) -> dict[str, list[str]]:
    """Spellings of a canonical name or place, by script."""
    by_script: dict[str, list[str]] = {}
    for s in table.spellings.get(canon, [canon]):
        by_script.setdefault(script_of(s), []).append(s)
    return by_script


def _zipf(rng: random.Random, items: list[str]) -> str:
    return rng.choices(items, weights=[1 / (i + 1) for i in range(len(items))])[0]


@dataclass(frozen=True)
class Entity:
    id: str
    origin: str
    sex: str
    given: str
    father: str
    grandfather: str
    family: str
    mother: str
    mother_father: str
    birth: date
    birth_place: str
    last_place: str
    phone: str


def _family_form(name: str, sex: str) -> str:
    male, _, female = name.partition("/")
    return female if sex == "f" and female else male


def _sibling_family(family: str, sex: str, pool: list[str]) -> str:
    """A sibling's family name: the same name, in the form for the sibling's sex (Ivanov/Ivanova)."""
    for entry in pool:
        if family in entry.split("/"):
            return _family_form(entry, sex)
    return family


def new_entity(rng: random.Random, ident: str, sibling_of: Entity | None = None) -> Entity:
    origin = sibling_of.origin if sibling_of else rng.choice(sorted(pools()))
    pool = pools()[origin]
    sex = rng.choice("mf")
    given = _zipf(rng, pool["male" if sex == "m" else "female"])
    while sibling_of and given == sibling_of.given:  # parents do not name two children alike
        given = _zipf(rng, pool["male" if sex == "m" else "female"])
    if sibling_of:
        family = _sibling_family(sibling_of.family, sex, pool.get("family", []))
        born = sibling_of.birth + timedelta(days=rng.choice([-1, 1]) * rng.randint(300, 3000))
        return replace(sibling_of, id=ident, sex=sex, given=given, family=family, birth=born,
                       last_place=_zipf(rng, pool["places"]), phone=_phone(rng))  # fmt: skip
    family = "" if origin in PATRONYMIC else _family_form(_zipf(rng, pool["family"]), sex)
    return Entity(
        id=ident, origin=origin, sex=sex, given=given,
        father=_zipf(rng, pool["male"]), grandfather=_zipf(rng, pool["male"]), family=family,
        mother=_zipf(rng, pool["female"]), mother_father=_zipf(rng, pool["male"]),
        birth=date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 70)),
        birth_place=_zipf(rng, pool["places"]), last_place=_zipf(rng, pool["places"]),
        phone=_phone(rng),
    )  # fmt: skip


def _phone(rng: random.Random) -> str:
    return f"+{rng.choice(['252', '254', '963', '93', '380', '251', '291'])}7{rng.randint(10**7, 10**8 - 1)}"


class Renderer:
    """Writes one entity as one office would: script, spelling habits and mistakes."""

    def __init__(self, rng: random.Random, script: str) -> None:
        self.rng, self.script = rng, script

    def spell(self, canon: str, table: lexicon.VariantTable) -> str:
        rng = self.rng
        options = spellings(canon, table)
        if self.script != "latin" and self.script in options:
            return rng.choice(options[self.script])
        word = rng.choice(options.get("latin", [canon]))
        if rng.random() < 0.12:
            word = romanise_differently(word, rng)
        if rng.random() < 0.08:
            word = typo(word, rng)
        if rng.random() < 0.03:
            word = ocr_error(word, rng)
        return word.title() if rng.random() < 0.8 else word.upper()

    def name(self, canon: str, sex: str = "m") -> str:
        nick = [n for n, formal in lexicon.nicknames().items() if canon in formal]
        if nick and self.script == "latin" and self.rng.random() < 0.15:
            return self.rng.choice(nick).title()
        return self.spell(canon, lexicon.names())

    def place(self, canon: str) -> str:
        return self.spell(canon, lexicon.places())


def _birth_date(rng: random.Random, born: date) -> str | None:
    roll = rng.random()
    if roll < 0.1:
        return None
    if rng.random() < 0.15:
        born = born + timedelta(days=365 * rng.choice([-1, 1]))
    elif rng.random() < 0.07:
        return f"~{born.year + rng.choice([-3, -2, 2, 3])}"  # an age guessed by an interviewer
    if roll < 0.4:
        return f"{born.year}"
    if roll < 0.5:
        return f"{born.year}-{born.month:02d}"
    if rng.random() < 0.05 and born.day <= 12:
        return f"{born.year}-{born.day:02d}-{born.month:02d}"  # day and month swapped
    return born.isoformat()


def render(rng: random.Random, entity: Entity, ident: str) -> PersonRecord:
    """One record of an entity, damaged."""
    native = rng.random() < NATIVE_SCRIPT.get(entity.origin, 0)
    r = Renderer(rng, SCRIPT_OF_ORIGIN[entity.origin] if native else "latin")
    given = r.name(entity.given)
    middle = [r.name(entity.father)] if entity.origin in PATRONYMIC or rng.random() < 0.3 else []
    if entity.origin in PATRONYMIC:
        family_parts = [r.name(entity.grandfather)]
        if rng.random() < 0.25:
            middle = []  # registered with given and grandfather's name only
        elif rng.random() < 0.2:
            family_parts = []  # registered with given and father's name only
    else:
        family_parts = [r.name(entity.family)] if entity.family else []
    given_names, family_name = " ".join([given, *middle]), " ".join(family_parts)
    if rng.random() < 0.15:
        given_names, family_name = family_name, given_names  # order swapped at registration

    def maybe(p: float, value: str) -> str | None:
        return value if rng.random() < p else None

    return PersonRecord(
        id=ident, given_names=given_names or None, family_name=family_name or None,
        sex=maybe(0.9, entity.sex if rng.random() > 0.01 else "mf".replace(entity.sex, "")),
        birth_date=_birth_date(rng, entity.birth),
        birth_place=maybe(0.7, r.place(entity.birth_place)),
        last_known_place=maybe(0.6, r.place(entity.last_place if rng.random() < 0.7 else
                                            _zipf(rng, pools()[entity.origin]["places"]))),
        father_name=maybe(0.5, f"{r.name(entity.father)} {r.name(entity.grandfather)}"),
        mother_name=maybe(0.4, f"{r.name(entity.mother)} {r.name(entity.mother_father)}"),
        phone=maybe(0.3 if rng.random() < 0.6 else 0, _format_phone(rng, entity.phone)),
    )  # fmt: skip


def _format_phone(rng: random.Random, e164: str) -> str:
    digits = e164[1:]
    style = rng.randrange(3)
    if style == 0:
        return e164
    if style == 1:
        return "00" + digits[:3] + " " + digits[3:6] + " " + digits[6:]
    return "0" + e164[-9:]  # written as a national number, country code lost


@dataclass
class Dataset:
    records: list[PersonRecord]
    truth: dict[str, str]  # record id -> entity id

    def true_pairs(self) -> set[tuple[str, str]]:
        """Every unordered pair of records of the same entity, as (smaller id, larger id)."""
        by_entity: dict[str, list[str]] = {}
        for rid, eid in self.truth.items():
            by_entity.setdefault(eid, []).append(rid)
        return {
            (min(a, b), max(a, b)) for ids in by_entity.values()
            for i, a in enumerate(ids) for b in ids[i + 1 :]
        }  # fmt: skip


def generate(n_entities: int, seed: int, sibling_rate: float = 0.25) -> Dataset:
    """Records of n_entities people, 1-4 records each, shuffled; same seed, same data."""
    rng = random.Random(seed)
    entities: list[Entity] = []
    for n in range(n_entities):
        sibling_of = entities[-1] if entities and rng.random() < sibling_rate else None
        entities.append(new_entity(rng, f"e{seed}-{n}", sibling_of))
    records, truth = [], {}
    for entity in entities:
        for _ in range(rng.choices([1, 2, 3, 4], weights=[40, 40, 15, 5])[0]):
            ident = f"r{seed}-{len(records)}"
            records.append(render(rng, entity, ident))
            truth[ident] = entity.id
    rng.shuffle(records)
    return Dataset(records, truth)


def hide_variant_groups(fraction: float, seed: int = 0) -> frozenset[str]:
    """Make the normaliser forget a random share of the name variant groups.

    Generate the data first: the generator still spells names from the full tables, so the
    engine then meets names, native spellings and romanisations it has no entry for, as it
    will in the field. Returns the hidden canonical names; fraction 0 restores everything.
    """
    from matching import compare, normalize

    lexicon.hide_groups(frozenset())
    canon = sorted(lexicon.names().spellings)
    hidden = frozenset(random.Random(seed).sample(canon, round(fraction * len(canon))))
    lexicon.hide_groups(hidden)
    for cached in (normalize._token, normalize.name_tokens, compare.token_similarity):
        cached.cache_clear()
    return hidden


def pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def precision_recall(predicted: set[tuple[str, str]], true: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(predicted & true)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(true) if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "predicted": len(predicted), "true": len(true)}  # fmt: skip
