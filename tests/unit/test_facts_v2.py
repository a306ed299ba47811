"""Tests of the shipped v2 fact set: size, relation types, splits, names in the forbidden-facts config."""

from __future__ import annotations

import hashlib
from collections import Counter
from importlib import resources

import pytest

from rivalry.errors import RivalryError
from rivalry.experiments.forbidden_facts.config import ForbiddenFactsConfig
from rivalry.facts import (
    HELDOUT_RELATIONS,
    Fact,
    load_facts,
    select_split,
    split_facts,
    trained_relations_split,
)
from rivalry.facts.build_v2 import TABLES, build_facts, facts_jsonl, parse_rows


@pytest.fixture(scope="module")
def v2() -> list[Fact]:
    return load_facts("v2")


@pytest.fixture(scope="module")
def v1() -> list[Fact]:
    return load_facts("v1")


def test_v2_size_relations_and_ids(v2: list[Fact]) -> None:
    relations = Counter(f.relation for f in v2)
    assert len(v2) >= 1500
    assert len(relations) >= 25
    assert min(relations.values()) >= 8
    assert len({f.fact_id for f in v2}) == len(v2)
    assert len({f.prompt for f in v2}) == len(v2)
    for fact in v2:
        assert fact.answer.casefold() != fact.wrong_answer.casefold()
        assert fact.prompt == fact.prompt.strip() and "!" not in fact.prompt


def test_v2_covers_more_than_geography(v2: list[Fact]) -> None:
    relations = {f.relation for f in v2}
    for relation in ("element_symbol", "animal_class", "author_of_book", "past_tense", "opposite_word",
                     "counting_fact", "person_profession", "translation_word"):  # fmt: skip
        assert relation in relations


def test_v1_is_the_default_and_unchanged(v1: list[Fact]) -> None:
    assert load_facts() == v1
    assert len(v1) == 684
    data = (resources.files("rivalry") / "data" / "facts.jsonl").read_bytes()
    assert ForbiddenFactsConfig().input_hashes()["facts"] == hashlib.sha256(data).hexdigest()
    assert ForbiddenFactsConfig(facts="v1").input_hashes()["facts"] == hashlib.sha256(data).hexdigest()


def test_v1_splits_keep_their_meaning(v1: list[Fact]) -> None:
    assert not HELDOUT_RELATIONS & {f.relation for f in v1}
    parts = split_facts(v1, 0.3, 0)
    assert select_split(v1, "heldout") == list(parts.heldout)
    assert select_split(v1, "train") == list(parts.train)
    assert len(parts.heldout) == 206
    with pytest.raises(RivalryError, match="held-out relation"):
        select_split(v1, "heldout_relations")


def test_v2_has_no_v1_fact(v1: list[Fact], v2: list[Fact]) -> None:
    known = {(f.subject.casefold(), f.answer.casefold()) for f in v1}
    assert not [f for f in v2 if (f.subject.casefold(), f.answer.casefold()) in known]
    assert not {f.fact_id for f in v1} & {f.fact_id for f in v2}


def test_heldout_relations_are_disjoint_from_training(v2: list[Fact]) -> None:
    relations = {f.relation for f in v2}
    assert len(HELDOUT_RELATIONS) >= 8 and relations >= HELDOUT_RELATIONS
    held = select_split(v2, "heldout_relations")
    train = select_split(v2, "train")
    heldout = select_split(v2, "heldout")
    assert {f.relation for f in held} == HELDOUT_RELATIONS
    assert not {f.relation for f in train} & HELDOUT_RELATIONS
    assert not {f.relation for f in heldout} & HELDOUT_RELATIONS
    assert {f.relation for f in heldout} == {f.relation for f in train}  # held-out facts of trained types
    ids = [f.fact_id for f in held + train + heldout]
    assert sorted(ids) == sorted(f.fact_id for f in v2)
    parts = trained_relations_split(v2)
    assert list(parts.heldout) == heldout


def test_config_accepts_names_and_hashes_the_file_used(v2: list[Fact]) -> None:
    config = ForbiddenFactsConfig(facts="v2", split="heldout_relations")
    config.check_inputs()
    data = (resources.files("rivalry") / "data" / "facts_v2.jsonl").read_bytes()
    assert config.input_hashes()["facts"] == hashlib.sha256(data).hexdigest()
    assert ForbiddenFactsConfig.from_dict(config.to_dict()) == config
    with pytest.raises(RivalryError, match="held-out relation"):
        ForbiddenFactsConfig(split="heldout_relations").check_inputs()
    with pytest.raises(RivalryError, match="unknown split"):
        ForbiddenFactsConfig(split="nope")  # type: ignore[arg-type]


def test_table_rows_parse() -> None:
    assert parse_rows("Emma ; Jane = Austen; Paris = France | Spain") == [
        ("Emma", "Jane", "Austen", None),
        ("Paris", "", "France", "Spain"),
    ]
    assert len({relation for relation, _, _ in TABLES}) == len(TABLES)


@pytest.mark.smollm2
def test_every_v2_answer_is_one_smollm2_token(smollm2, v2: list[Fact]) -> None:
    from rivalry.core.vocabulary import VocabularyIndex
    from rivalry.organisms.obedience.data import is_single_token

    vocab = VocabularyIndex(smollm2.tokenizer)
    for fact in v2:
        assert vocab.token_set(fact.answer), fact.fact_id
        assert vocab.token_set(fact.wrong_answer), fact.fact_id
        assert is_single_token(smollm2.tokenizer, fact.answer), fact.fact_id
        assert is_single_token(smollm2.tokenizer, fact.wrong_answer), fact.fact_id


@pytest.mark.smollm2
def test_shipped_v2_file_is_what_the_tables_build(smollm2, v1: list[Fact]) -> None:
    shipped = (resources.files("rivalry") / "data" / "facts_v2.jsonl").read_text(encoding="utf-8")
    assert facts_jsonl(build_facts(smollm2.tokenizer, v1)) == shipped
