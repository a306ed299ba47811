"""The shipped hidden-variable sets and the user file format."""

from __future__ import annotations

import numpy as np
import pytest

from rivalry.errors import RivalryError
from rivalry.genres.synthetic import GenreGenerator, SyntheticConfig
from rivalry.genres.tokenizer import build_word_tokenizer
from rivalry.genres.train import word_token_ids
from rivalry.variables import genre_set, group_split, load_variable_file, persona_set


def test_genre_target_is_the_exact_posterior_after_every_token() -> None:
    generator = GenreGenerator(SyntheticConfig(doc_length=12))
    tokenizer = build_word_tokenizer(generator.words, generator.tags)
    variables = genre_set(generator, tokenizer, n_texts=8, seed=3)
    docs = generator.sample(8, np.random.default_rng([3, 7]))
    exact = np.exp(generator.exact_log_posterior(docs.words))  # the posterior rivalry's genre validation uses
    ids = word_token_ids(generator, tokenizer)
    assert variables.token_targets is not None and variables.read_at == "all"
    for i, item in enumerate(variables.items):
        tokens = tokenizer(item.text, add_special_tokens=True)["input_ids"]
        assert tokens[1:] == ids[docs.words[i]].tolist()  # token t is word t; token 0 is <bos>
        target = variables.token_targets[i]
        np.testing.assert_allclose(target[0], generator.prior)
        np.testing.assert_allclose(target[1:], exact[i].T, rtol=0, atol=1e-12)
        assert item.label == generator.genres[docs.genres[i]]
    split = group_split(variables.select(range(8)), heldout_fraction=0.25)
    assert len(split.test) and not set(split.train) & set(split.test)


def test_persona_holds_out_scenes_and_line_pairs() -> None:
    variables = persona_set()
    split = group_split(variables)
    test_scenes = {variables.items[i].groups["scene"] for i in split.test}
    assert test_scenes == set(variables.heldout["scene"])
    assert {variables.items[i].label for i in split.test} == {"hero", "twin"}


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("text,label,t\na,x,1\nb,x,2\n", ".csv", "one label only"),
        ("text,label,t\na,x,1\nb,y,1\n", ".csv", "fewer than 2 groups"),
        ("text,t\na,1\nb,2\n", ".csv", "missing column"),
        ("text,label,t\na,x,1\nb,,2\n", ".csv", "line 3: empty or missing 'label'"),
        ("items:\n  - {text: a, label: x, t: '1'}\n  - {text: b, t: '2'}\n", ".yaml", "line 3: empty or missing"),
        ("items: [1, 2]\n", ".yaml", "must be a mapping"),
    ],
)
def test_bad_user_files_are_one_line_errors(tmp_path, content, suffix, message) -> None:
    path = tmp_path / f"set{suffix}"
    path.write_text(content)
    with pytest.raises(RivalryError, match=message) as error:
        load_variable_file(path)
    assert "\n" not in str(error.value)


def test_user_file_round_trip_and_binary_check(tmp_path) -> None:
    path = tmp_path / "three.yaml"
    rows = "".join(f"  - {{text: t{i}, label: {'abc'[i % 3]}, t: 'g{i % 2}'}}\n" for i in range(6))
    path.write_text(f"name: three\nitems:\n{rows}")
    variables = load_variable_file(path)
    assert variables.name == "three" and variables.classes == ("a", "b", "c") and variables.group_keys == ("t",)
    with pytest.raises(RivalryError, match="needs a binary one"):
        variables.require_binary()
