"""Factual-recall prompts for the forbidden-facts experiment: loading, validation and a stable split.

A fact is a sentence prefix whose natural next word is a one-word answer, e.g.
``"The Golden Gate Bridge is in the state of"`` -> ``"California"``, plus a plausible false answer of the
same type (``"Oregon"``) used as a counterfactual. Two sets are shipped, selected by name:

- ``"v1"`` (the default): ``rivalry/data/facts.jsonl``, 684 facts over 12 geography-style relations; the set the
  shipped ``smollm2-obedient`` adapter was tuned on (its held-out facts are ``select_split(v1, "heldout")``).
- ``"v2"``: ``rivalry/data/facts_v2.jsonl``, 1,842 facts over 46 relations (geography, people and their works,
  science, animals, everyday knowledge, language, arithmetic), each answer and wrong answer one SmolLM2 token,
  built by ``rivalry.facts.build_v2`` from tables; no fact of v1 is repeated. The relations in
  :data:`HELDOUT_RELATIONS` are held out entirely (``split="heldout_relations"``).

Users may pass their own ``.jsonl`` or ``.csv`` file with the same columns.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rivalry.errors import RivalryError

REQUIRED_FIELDS: tuple[str, ...] = ("fact_id", "prompt", "answer", "wrong_answer")
OPTIONAL_FIELDS: dict[str, str] = {"relation": "custom", "subject": ""}
SPLITS: tuple[str, ...] = ("all", "train", "heldout", "heldout_relations")

# Shipped fact sets by name; ``None`` means "v1".
SHIPPED_FACT_SETS: dict[str, str] = {"v1": "facts.jsonl", "v2": "facts_v2.jsonl"}
_SHIPPED_FACTS = SHIPPED_FACT_SETS["v1"]

# Relation types held out of obedience tuning entirely: one or more per domain (science, animals, language,
# people and their works, everyday knowledge), none of them a v1 relation, so v1's splits are unchanged.
HELDOUT_RELATIONS: frozenset[str] = frozenset(
    {
        "element_symbol",  # science
        "moon_of_planet",  # science
        "animal_class",  # animals
        "opposite_word",  # language
        "translation_word",  # language
        "author_of_book",  # people and their works
        "musician_instrument",  # people and their works
        "holiday_month",  # everyday knowledge
        "made_from",  # everyday knowledge
        "product_maker",  # everyday knowledge (companies)
    }
)
_SHIPPED_WORDS = "irrelevant_words.txt"


@dataclass(frozen=True)
class Fact:
    """One factual-recall prompt.

    Attributes:
        fact_id: stable unique slug, e.g. ``"landmark_state_golden_gate_bridge"``.
        relation: the relation type, e.g. ``"capital_of_country"`` (``"custom"`` for user files without one).
        subject: the entity the prompt asks about (may be empty for user files).
        prompt: the sentence prefix; the answer is the next word. Never ends with whitespace.
        answer: the true next word (one word, no whitespace).
        wrong_answer: a plausible false word of the same type (one word, differs from ``answer``).
    """

    fact_id: str
    relation: str
    subject: str
    prompt: str
    answer: str
    wrong_answer: str


@dataclass(frozen=True)
class FactSplit:
    """A deterministic train/held-out partition of a fact list (each fact in exactly one part).

    Attributes:
        train: facts not held out, in input order.
        heldout: held-out facts, in input order.
        seed: the seed of the hash that decided the split.
        heldout_fraction: the requested fraction of each relation that is held out.
    """

    train: tuple[Fact, ...]
    heldout: tuple[Fact, ...]
    seed: int
    heldout_fraction: float


# --------------------------------------------------------------------------------------------- loading


def shipped_facts_bytes(name: str | None) -> bytes | None:
    """The bytes of the shipped fact set ``name`` (``"v1"``, ``"v2"``; None is ``"v1"``), or None when ``name``
    is not a shipped set's name (a path)."""
    file = SHIPPED_FACT_SETS.get("v1" if name is None else name)
    return None if file is None else (resources.files("rivalry") / "data" / file).read_bytes()


def load_facts(path: str | Path | None = None) -> list[Fact]:
    """Load and validate facts from a ``.jsonl`` or ``.csv`` file, or a shipped set by name (``"v1"``, the
    default when ``path`` is None, or ``"v2"``; a shipped name wins over a file of that name).

    Raises:
        RivalryError: the file is missing, has an unknown extension, or any line is malformed; the
            message names the file and the 1-based line (for CSV the header is line 1).
    """
    shipped = shipped_facts_bytes(path) if path is None or isinstance(path, str) else None
    if shipped is not None:
        name = f"rivalry/data/{SHIPPED_FACT_SETS['v1' if path is None else str(path)]}"
        text = shipped.decode("utf-8")
        suffix = ".jsonl"
    else:
        assert path is not None  # a None path is the shipped v1 set
        file = Path(path)
        name = str(path)
        suffix = file.suffix.lower()
        if suffix not in (".jsonl", ".csv"):
            raise RivalryError(f"{name}: unsupported facts file extension {file.suffix!r} (use .jsonl or .csv)")
        text = _read_user_text(file, what="facts file")
    records = _jsonl_records(text, name) if suffix == ".jsonl" else _csv_records(text, name)
    return _validated(records, name)


def load_irrelevant_words(path: str | Path | None = None) -> list[str]:
    """Load the list of irrelevant words (one per line) from ``path``, or the shipped list when None.

    Blank lines and lines starting with ``#`` are skipped; every other line, stripped, must be one word
    that has not appeared before.

    Raises:
        RivalryError: the file is missing or empty, or a line holds several words or a repeated word.
    """
    if path is None:
        name = f"rivalry/data/{_SHIPPED_WORDS}"
        text = (resources.files("rivalry") / "data" / _SHIPPED_WORDS).read_text(encoding="utf-8")
    else:
        name = str(path)
        text = _read_user_text(Path(path), what="word list")
    words: list[str] = []
    first_line: dict[str, int] = {}
    for lineno, raw in enumerate(text.split("\n"), start=1):
        word = raw.strip()
        if not word or word.startswith("#"):
            continue
        if len(word.split()) != 1:
            raise RivalryError(f"{name} line {lineno}: expected one word per line, got {word!r}")
        if word in first_line:
            raise RivalryError(f"{name} line {lineno}: duplicate word {word!r} (first on line {first_line[word]})")
        first_line[word] = lineno
        words.append(word)
    if not words:
        raise RivalryError(f"{name}: no words found")
    return words


def _read_user_text(file: Path, what: str) -> str:
    """The UTF-8 text of ``file`` (a leading byte-order mark removed), with one-line errors."""
    if not file.is_file():
        raise RivalryError(f"{what} not found: {file}")
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RivalryError(f"{file}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise RivalryError(f"{file}: cannot read ({exc.strerror})") from None


def _jsonl_records(text: str, name: str) -> Iterator[tuple[int, Mapping[str, object]]]:
    """(line number, object) for each non-blank line of a JSON-lines text."""
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RivalryError(f"{name} line {lineno}: invalid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(record, dict):
            raise RivalryError(f"{name} line {lineno}: expected a JSON object, got {type(record).__name__}")
        yield lineno, record


def _csv_records(text: str, name: str) -> Iterator[tuple[int, Mapping[str, object]]]:
    """(line number, row) for each data row of a CSV text whose first row is the header (line 1)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise RivalryError(f"{name}: empty CSV file (expected a header row)")
        columns = [column.strip() for column in header]
        missing = [field for field in REQUIRED_FIELDS if field not in columns]
        if missing:
            raise RivalryError(f"{name} line 1: header lacks column(s) {', '.join(map(repr, missing))}")
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(columns):
                raise RivalryError(f"{name} line {reader.line_num}: expected {len(columns)} fields, got {len(row)}")
            yield reader.line_num, dict(zip(columns, row, strict=True))
    except csv.Error as exc:
        raise RivalryError(f"{name} line {reader.line_num}: malformed CSV ({exc})") from None


def _validated(records: Iterable[tuple[int, Mapping[str, object]]], name: str) -> list[Fact]:
    """Facts built from ``records`` after checking every field; raises on the first problem."""
    facts: list[Fact] = []
    first_line: dict[str, int] = {}
    for lineno, record in records:
        where = f"{name} line {lineno}"
        fact = _fact_from_record(record, where)
        if fact.fact_id in first_line:
            raise RivalryError(
                f"{where}: duplicate fact_id {fact.fact_id!r} (first on line {first_line[fact.fact_id]})"
            )
        first_line[fact.fact_id] = lineno
        facts.append(fact)
    if not facts:
        raise RivalryError(f"{name}: no facts found")
    return facts


def _fact_from_record(record: Mapping[str, object], where: str) -> Fact:
    """One validated fact from a parsed line; ``where`` prefixes error messages."""
    values: dict[str, str] = {}
    for field in REQUIRED_FIELDS:
        value = record.get(field)
        if value is None:
            raise RivalryError(f"{where}: missing field {field!r}")
        if not isinstance(value, str):
            raise RivalryError(f"{where}: field {field!r} must be a string, got {value!r}")
        if not value.strip():
            raise RivalryError(f"{where}: field {field!r} must be non-empty")
        values[field] = value
    for field, default in OPTIONAL_FIELDS.items():
        value = record.get(field)
        if value is not None and not isinstance(value, str):
            raise RivalryError(f"{where}: field {field!r} must be a string, got {value!r}")
        values[field] = value if value and value.strip() else default
    for field in ("answer", "wrong_answer"):
        word = values[field]
        if len(word.split()) != 1 or word != word.strip():
            raise RivalryError(f"{where}: field {field!r} must be one word, got {word!r}")
    if values["answer"].casefold() == values["wrong_answer"].casefold():
        raise RivalryError(f"{where}: 'wrong_answer' must differ from 'answer', both are {values['answer']!r}")
    if values["prompt"] != values["prompt"].rstrip():
        raise RivalryError(f"{where}: field 'prompt' must not end with whitespace, got {values['prompt']!r}")
    return Fact(**values)


# --------------------------------------------------------------------------------------------- splitting


def _split_key(seed: int, fact_id: str) -> bytes:
    """A stable pseudo-random sort key for ``fact_id`` under ``seed`` (SHA-256; ignores other facts)."""
    return hashlib.sha256(f"{seed}:{fact_id}".encode()).digest()


def split_facts(facts: Sequence[Fact], heldout_fraction: float = 0.3, seed: int = 0) -> FactSplit:
    """Partition ``facts`` into train and held-out parts, stratified by relation.

    Within each relation the facts are ordered by a SHA-256 hash of ``(seed, fact_id)`` and the first
    ``round(n * heldout_fraction)`` (half rounded up) are held out, so each relation contributes the same
    fraction up to rounding. A fact's place depends only on its own hash and its relation's size: adding a
    fact leaves every other relation untouched and moves at most one existing fact of its own relation.

    Raises:
        RivalryError: ``heldout_fraction`` outside [0, 1], or duplicate fact ids.
    """
    if not 0.0 <= heldout_fraction <= 1.0:
        raise RivalryError(f"heldout_fraction must be in [0, 1], got {heldout_fraction}")
    ids = [fact.fact_id for fact in facts]
    if len(set(ids)) != len(ids):
        duplicate = next(fact_id for fact_id in ids if ids.count(fact_id) > 1)
        raise RivalryError(f"cannot split facts with duplicate fact_id {duplicate!r}")
    by_relation: dict[str, list[Fact]] = {}
    for fact in facts:
        by_relation.setdefault(fact.relation, []).append(fact)
    heldout_ids: set[str] = set()
    for members in by_relation.values():
        ranked = sorted(members, key=lambda fact: (_split_key(seed, fact.fact_id), fact.fact_id))
        n_heldout = math.floor(len(ranked) * heldout_fraction + 0.5)
        heldout_ids.update(fact.fact_id for fact in ranked[:n_heldout])
    return FactSplit(
        train=tuple(fact for fact in facts if fact.fact_id not in heldout_ids),
        heldout=tuple(fact for fact in facts if fact.fact_id in heldout_ids),
        seed=seed,
        heldout_fraction=heldout_fraction,
    )


def trained_relations_split(facts: Sequence[Fact], heldout_fraction: float = 0.3, seed: int = 0) -> FactSplit:
    """``split_facts`` of the facts whose relation is not in :data:`HELDOUT_RELATIONS` (v1: every fact, so the
    same split as ``split_facts(facts)``)."""
    trained = [fact for fact in facts if fact.relation not in HELDOUT_RELATIONS]
    return split_facts(trained, heldout_fraction=heldout_fraction, seed=seed)


def select_split(facts: Sequence[Fact], split: str, heldout_fraction: float = 0.3, seed: int = 0) -> list[Fact]:
    """The facts of one split, in input order.

    - ``"all"``: every fact.
    - ``"train"`` / ``"heldout"``: the parts of :func:`trained_relations_split` (for v1, whose relations are all
      trained, ``split_facts(facts, heldout_fraction, seed)`` as before).
    - ``"heldout_relations"``: every fact whose relation is in :data:`HELDOUT_RELATIONS`.

    Raises:
        RivalryError: ``split`` is not one of ``SPLITS``, or ``"heldout_relations"`` of facts without such a
            relation (the v1 set has none; use ``facts="v2"``).
    """
    if split not in SPLITS:
        raise RivalryError(f"unknown split {split!r} (expected one of {', '.join(SPLITS)})")
    if split == "all":
        return list(facts)
    if split == "heldout_relations":
        chosen = [fact for fact in facts if fact.relation in HELDOUT_RELATIONS]
        if not chosen:
            raise RivalryError("no fact of a held-out relation type in these facts (the v2 set has them: --facts v2)")
        return chosen
    parts = trained_relations_split(facts, heldout_fraction=heldout_fraction, seed=seed)
    return list(parts.train if split == "train" else parts.heldout)
