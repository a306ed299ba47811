"""Tests of the shipped fact dataset, the fact loader's validation, the stratified split and the word list."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from rivalry.errors import RivalryError
from rivalry.facts import (
    SPLITS,
    Fact,
    FactSplit,
    load_facts,
    load_irrelevant_words,
    select_split,
    split_facts,
)

COLUMNS = ["fact_id", "relation", "subject", "prompt", "answer", "wrong_answer"]


def _row(fact_id: str = "f1", **overrides: str) -> dict[str, str]:
    row = {
        "fact_id": fact_id,
        "relation": "capital_of_country",
        "subject": "Paris",
        "prompt": "Paris is the capital of",
        "answer": "France",
        "wrong_answer": "Germany",
    }
    row.update(overrides)
    return row


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


# ----------------------------------------------------------------------------------------- shipped data


@pytest.fixture(scope="module")
def shipped() -> list[Fact]:
    return load_facts()


def test_shipped_facts_size_and_relations(shipped: list[Fact]) -> None:
    assert len(shipped) >= 420
    counts = Counter(fact.relation for fact in shipped)
    assert len(counts) >= 8
    assert min(counts.values()) >= 20, counts
    assert "custom" not in counts


def test_shipped_facts_are_well_formed(shipped: list[Fact]) -> None:
    ids = [fact.fact_id for fact in shipped]
    assert len(set(ids)) == len(ids)
    for fact in shipped:
        assert fact.subject, fact
        assert fact.prompt == fact.prompt.strip(), fact
        assert fact.prompt[-1].isalpha(), fact  # no trailing punctuation: the answer is the next word
        for word in (fact.answer, fact.wrong_answer):
            assert len(word.split()) == 1 and word.isalpha(), fact
        assert fact.answer.casefold() != fact.wrong_answer.casefold(), fact
        # The prompt does not give the answer away.
        assert fact.answer.casefold() not in fact.prompt.casefold().split(), fact


_ONE_WORD_US_STATES = (
    "Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii Idaho "
    "Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan Minnesota "
    "Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon Pennsylvania Tennessee Texas Utah "
    "Vermont Virginia Washington Wisconsin Wyoming"
)
US_STATES = set(_ONE_WORD_US_STATES.split())


def test_shipped_wrong_answers_have_the_answer_type(shipped: list[Fact]) -> None:
    languages = {fact.answer for fact in shipped if fact.relation == "official_language"}
    languages |= {"English", "Japanese", "Hindi", "Finnish", "Georgian"}
    expected = {
        "landmark_us_state": US_STATES,
        "us_city_state": US_STATES,
        "country_continent": {"Europe", "Asia", "Africa"},
        "official_language": languages,
    }
    for fact in shipped:
        if fact.relation in expected:
            assert {fact.answer, fact.wrong_answer} <= expected[fact.relation], fact


def test_shipped_spot_checks(shipped: list[Fact]) -> None:
    by_id = {fact.fact_id: fact for fact in shipped}
    gg = by_id["landmark_state_golden_gate_bridge"]
    assert (gg.relation, gg.prompt, gg.answer) == (
        "landmark_us_state",
        "The Golden Gate Bridge is in the state of",
        "California",
    )
    assert by_id["capital_of_paris"].answer == "France"
    assert by_id["country_capital_france"].answer == "Paris"
    assert by_id["currency_japan"].answer == "yen"
    assert by_id["language_brazil"].answer == "Portuguese"
    assert by_id["company_toyota"].answer == "Japan"
    assert by_id["city_country_osaka"].answer == "Japan"


def test_load_facts_accepts_the_shipped_path_explicitly(shipped: list[Fact]) -> None:
    path = Path(__file__).parents[2] / "src" / "rivalry" / "data" / "facts.jsonl"
    assert load_facts(path) == shipped
    assert load_facts(str(path)) == shipped


# ----------------------------------------------------------------------------------------- user files


def test_load_jsonl_user_file(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        _row("a"),
        {"fact_id": "b", "prompt": "Osaka is a city in", "answer": "Japan", "wrong_answer": "China"},
    ]
    path = _write_jsonl(tmp_path / "facts.jsonl", rows)
    facts = load_facts(path)
    assert facts == [
        Fact("a", "capital_of_country", "Paris", "Paris is the capital of", "France", "Germany"),
        Fact("b", "custom", "", "Osaka is a city in", "Japan", "China"),
    ]


def test_load_jsonl_skips_blank_lines_and_ignores_extra_keys(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_text("\n" + json.dumps(_row("a", note="x")) + "\n\n" + json.dumps(_row("b")) + "\n")
    assert [fact.fact_id for fact in load_facts(path)] == ["a", "b"]


def test_load_csv_user_file(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "facts.csv", [_row("a"), _row("b", subject="", prompt="Lyon is in")])
    facts = load_facts(path)
    assert facts[0] == Fact("a", "capital_of_country", "Paris", "Paris is the capital of", "France", "Germany")
    assert facts[1].subject == "" and facts[1].prompt == "Lyon is in"


def test_load_csv_without_optional_columns(tmp_path: Path) -> None:
    columns = ["fact_id", "prompt", "answer", "wrong_answer"]
    path = _write_csv(tmp_path / "facts.CSV", [_row("a"), _row("b")], columns=columns)
    facts = load_facts(path)
    assert [(fact.relation, fact.subject) for fact in facts] == [("custom", ""), ("custom", "")]


def test_load_csv_with_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "facts.csv"
    text = "fact_id,prompt,answer,wrong_answer\r\na,Paris is the capital of,France,Germany\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_facts(path)[0].fact_id == "a"


# ----------------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"answer": "New York"}, "field 'answer' must be one word, got 'New York'"),
        ({"wrong_answer": "New Jersey"}, "field 'wrong_answer' must be one word"),
        ({"answer": " France"}, "field 'answer' must be one word"),
        ({"wrong_answer": "FRANCE"}, "'wrong_answer' must differ from 'answer'"),
        ({"prompt": "Paris is the capital of "}, "field 'prompt' must not end with whitespace"),
        ({"prompt": ""}, "field 'prompt' must be non-empty"),
        ({"fact_id": "  "}, "field 'fact_id' must be non-empty"),
        ({"answer": ""}, "field 'answer' must be non-empty"),
    ],
)
def test_csv_validation_errors_name_file_and_line(tmp_path: Path, bad: dict[str, str], message: str) -> None:
    rows = [_row("a"), _row("b"), {**_row("c"), **bad}, _row("d")]
    path = _write_csv(tmp_path / "facts.csv", rows)
    with pytest.raises(RivalryError) as info:
        load_facts(path)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(f"{path} line 4: "), text  # header is line 1, so the third row is line 4
    assert message in text


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"answer": "New York"}, "field 'answer' must be one word, got 'New York'"),
        ({"answer": "France", "wrong_answer": "france"}, "'wrong_answer' must differ from 'answer'"),
        ({"prompt": "Paris is the capital of\t"}, "field 'prompt' must not end with whitespace"),
        ({"answer": 3}, "field 'answer' must be a string"),
        ({"wrong_answer": None}, "missing field 'wrong_answer'"),
    ],
)
def test_jsonl_validation_errors_name_file_and_line(tmp_path: Path, bad: dict[str, object], message: str) -> None:
    rows: list[dict[str, object]] = [_row("a"), _row("b"), {**_row("c"), **bad}]
    path = _write_jsonl(tmp_path / "facts.jsonl", rows)
    with pytest.raises(RivalryError, match=f"line 3: .*{message}") as info:
        load_facts(path)
    assert str(path) in str(info.value)


def test_missing_field_is_reported_with_its_line(tmp_path: Path) -> None:
    row: dict[str, object] = _row("b")
    del row["answer"]
    path = _write_jsonl(tmp_path / "facts.jsonl", [_row("a"), row])
    with pytest.raises(RivalryError, match=r"facts\.jsonl line 2: missing field 'answer'"):
        load_facts(path)


def test_duplicate_fact_id_names_both_lines(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "facts.csv", [_row("a"), _row("b"), _row("a")])
    with pytest.raises(RivalryError, match=r"facts\.csv line 4: duplicate fact_id 'a' \(first on line 2\)"):
        load_facts(path)


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_text(json.dumps(_row("a")) + "\n" + '{"fact_id": "b", \n')
    with pytest.raises(RivalryError, match=r"facts\.jsonl line 2: invalid JSON"):
        load_facts(path)


def test_non_object_json_line_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_text(json.dumps(_row("a")) + "\n" + '["b"]\n')
    with pytest.raises(RivalryError, match=r"line 2: expected a JSON object"):
        load_facts(path)


def test_csv_header_missing_column(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "facts.csv", [_row("a")], columns=["fact_id", "prompt", "answer"])
    with pytest.raises(RivalryError, match=r"facts\.csv line 1: header lacks column\(s\) 'wrong_answer'"):
        load_facts(path)


def test_csv_row_with_wrong_field_count(tmp_path: Path) -> None:
    path = tmp_path / "facts.csv"
    path.write_text("fact_id,prompt,answer,wrong_answer\na,Paris is the capital of,France,Germany\nb,x,y\n")
    with pytest.raises(RivalryError, match=r"facts\.csv line 3: expected 4 fields, got 3"):
        load_facts(path)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nope.jsonl"
    with pytest.raises(RivalryError, match="not found") as info:
        load_facts(path)
    assert str(path) in str(info.value)


def test_unknown_extension_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "facts.txt"
    path.write_text("anything\n")
    with pytest.raises(RivalryError, match="unsupported facts file extension '.txt'"):
        load_facts(path)


@pytest.mark.parametrize("name", ["facts.jsonl", "facts.csv"])
def test_empty_file_is_rejected(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("")
    with pytest.raises(RivalryError):
        load_facts(path)


# ----------------------------------------------------------------------------------------- split


def _synthetic(n_per_relation: dict[str, int]) -> list[Fact]:
    return [
        Fact(f"{relation}_{i}", relation, f"s{i}", f"Prompt {i} of", f"A{i}", f"B{i}")
        for relation, n in n_per_relation.items()
        for i in range(n)
    ]


def test_split_is_deterministic_disjoint_and_complete(shipped: list[Fact]) -> None:
    first = split_facts(shipped, heldout_fraction=0.3, seed=0)
    again = split_facts(list(shipped), heldout_fraction=0.3, seed=0)
    assert isinstance(first, FactSplit)
    assert first == again
    assert (first.seed, first.heldout_fraction) == (0, 0.3)
    train_ids = {fact.fact_id for fact in first.train}
    heldout_ids = {fact.fact_id for fact in first.heldout}
    assert not train_ids & heldout_ids
    assert train_ids | heldout_ids == {fact.fact_id for fact in shipped}
    assert len(first.train) + len(first.heldout) == len(shipped)
    # Each part keeps the input order.
    order = {fact.fact_id: i for i, fact in enumerate(shipped)}
    for part in (first.train, first.heldout):
        positions = [order[fact.fact_id] for fact in part]
        assert positions == sorted(positions)


def test_split_is_stratified_by_relation(shipped: list[Fact]) -> None:
    parts = split_facts(shipped, heldout_fraction=0.3, seed=0)
    totals = Counter(fact.relation for fact in shipped)
    held = Counter(fact.relation for fact in parts.heldout)
    for relation, n in totals.items():
        assert abs(held[relation] - 0.3 * n) <= 0.5, (relation, held[relation], n)


def test_split_depends_on_seed_and_fraction(shipped: list[Fact]) -> None:
    a = split_facts(shipped, seed=0)
    b = split_facts(shipped, seed=1)
    assert {f.fact_id for f in a.heldout} != {f.fact_id for f in b.heldout}
    assert split_facts(shipped, heldout_fraction=0.0).heldout == ()
    assert split_facts(shipped, heldout_fraction=1.0).train == ()
    assert len(split_facts(shipped, heldout_fraction=0.5).heldout) > len(a.heldout)


def test_split_is_stable_when_an_unrelated_fact_is_added(shipped: list[Fact]) -> None:
    before = split_facts(shipped, seed=3)
    extra = Fact("zz_extra", "brand_new_relation", "x", "A new prompt about", "thing", "other")
    after = split_facts([*shipped, extra], seed=3)
    assert {f.fact_id for f in after.heldout} - {"zz_extra"} == {f.fact_id for f in before.heldout}
    assert {f.fact_id for f in after.train} - {"zz_extra"} == {f.fact_id for f in before.train}


def test_split_moves_at_most_one_fact_when_a_same_relation_fact_is_added() -> None:
    facts = _synthetic({"r": 40, "q": 25})
    before = {f.fact_id for f in split_facts(facts, seed=7).heldout}
    for k in range(10):
        extra = Fact(f"r_extra_{k}", "r", "x", "Prompt of", "A", "B")
        after = {f.fact_id for f in split_facts([*facts, extra], seed=7).heldout} - {extra.fact_id}
        assert len(before ^ after) <= 1
        assert {i for i in before ^ after if i.startswith("q_")} == set()


def test_split_is_independent_of_input_order() -> None:
    facts = _synthetic({"r": 30, "q": 21})
    forward = {f.fact_id for f in split_facts(facts, seed=5).heldout}
    backward = {f.fact_id for f in split_facts(facts[::-1], seed=5).heldout}
    assert forward == backward


def test_split_rejects_bad_arguments() -> None:
    facts = _synthetic({"r": 5})
    with pytest.raises(RivalryError, match="heldout_fraction"):
        split_facts(facts, heldout_fraction=1.5)
    with pytest.raises(RivalryError, match="duplicate fact_id 'r_0'"):
        split_facts([*facts, facts[0]])


def test_select_split(shipped: list[Fact]) -> None:
    assert set(SPLITS) == {"all", "train", "heldout", "heldout_relations"}
    assert select_split(shipped, "all") == shipped
    parts = split_facts(shipped, heldout_fraction=0.25, seed=2)
    assert select_split(shipped, "train", heldout_fraction=0.25, seed=2) == list(parts.train)
    assert select_split(shipped, "heldout", heldout_fraction=0.25, seed=2) == list(parts.heldout)
    with pytest.raises(RivalryError, match="unknown split 'test'"):
        select_split(shipped, "test")


# ----------------------------------------------------------------------------------------- words


def test_irrelevant_words(shipped: list[Fact]) -> None:
    words = load_irrelevant_words()
    assert len(words) >= 120
    assert len(set(words)) == len(words)
    for word in words:
        assert word.isalpha() and word == word.lower(), word
    answers = {word.casefold() for fact in shipped for word in (fact.answer, fact.wrong_answer)}
    assert not answers & set(words)
    prompt_words = {token.casefold() for fact in shipped for token in fact.prompt.split()}
    assert not prompt_words & set(words)


def test_irrelevant_words_user_file(tmp_path: Path) -> None:
    path = tmp_path / "words.txt"
    path.write_text("# comment\nspoon\n\n  ladder  \n")
    assert load_irrelevant_words(path) == ["spoon", "ladder"]
    path.write_text("spoon\nice cream\n")
    with pytest.raises(RivalryError, match="line 2: expected one word per line"):
        load_irrelevant_words(path)
    path.write_text("spoon\nladder\nspoon\n")
    with pytest.raises(RivalryError, match=r"line 3: duplicate word 'spoon' \(first on line 1\)"):
        load_irrelevant_words(path)
    with pytest.raises(RivalryError, match="not found"):
        load_irrelevant_words(tmp_path / "missing.txt")
