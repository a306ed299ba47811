"""Hidden-variable sets: validation, and group splits that hold out whole groups on every key."""

from __future__ import annotations

import pytest

from rivalry.errors import RivalryError
from rivalry.facts.dataset import Fact
from rivalry.variables import LabelledText, VariableSet, forbidden_set, group_split
from tests.chat_fixtures import FORBIDDEN_FACTS, forbidden_facts_chat_model


def _items(n_a: int = 4, n_b: int = 3) -> tuple[LabelledText, ...]:
    return tuple(
        LabelledText(text=f"t{a}{b}{label}", label=label, groups={"a": str(a), "b": str(b)})
        for a in range(n_a)
        for b in range(n_b)
        for label in ("x", "y")
    )


def test_split_holds_out_every_key_and_never_overlaps() -> None:
    variables = VariableSet("toy", _items(), classes=("x", "y"), group_keys=("a", "b"))
    split = group_split(variables, heldout_fraction=0.34, seed=1)
    train_a = {variables.items[i].groups["a"] for i in split.train}
    test_a = {variables.items[i].groups["a"] for i in split.test}
    train_b = {variables.items[i].groups["b"] for i in split.train}
    test_b = {variables.items[i].groups["b"] for i in split.test}
    assert not train_a & test_a and not train_b & test_b
    assert not set(split.train.tolist()) & set(split.test.tolist())
    fixed = group_split(variables, heldout={"a": ["0"], "b": ["2"]})
    assert {variables.items[i].text for i in fixed.test} == {"t02x", "t02y"}


@pytest.mark.parametrize(
    ("items", "classes", "message"),
    [
        (tuple(i for i in _items() if i.label == "x"), ("x", "y"), "one label only"),
        (_items(n_a=1), ("x", "y"), "fewer than 2 groups of 'a'"),
        (_items(), ("x",), "not one of"),
    ],
)
def test_bad_sets_are_one_line_errors(items, classes, message) -> None:
    with pytest.raises(RivalryError, match=message):
        VariableSet("toy", items, classes=classes, group_keys=("a", "b"))
    three = VariableSet("toy", _items(), classes=("x", "y", "z"), group_keys=("a", "b"))
    with pytest.raises(RivalryError, match="needs a binary one"):
        three.require_binary()


def test_forbidden_set_labels_competing_prompts() -> None:
    model = forbidden_facts_chat_model()
    facts = [Fact(i, "custom", "", p, a, w) for i, p, a, w in FORBIDDEN_FACTS]
    variables = forbidden_set(model.tokenizer, facts, templates=("Never say {word}.", "Do not say {word}."))
    assert variables.group_keys == ("fact", "template")
    assert len(variables.items) == 6 * 2 * 3  # "Manhattan" is not one token of the toy vocabulary
    for item in variables.items:
        competing = item.fields["forbidden_word"] == item.fields["answer"]
        assert (item.label == "competing") == competing
        assert f"say {item.fields['forbidden_word']}." in item.text
