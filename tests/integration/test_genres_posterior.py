"""The batched genre posterior against one unbatched forward pass per genre, on random tiny models."""

from __future__ import annotations

import pytest
import torch
from tiny_models import VOCAB

from rivalry.errors import RivalryError
from rivalry.genres.posterior import genre_posterior, text_log_likelihoods
from rivalry.genres.tokenizer import build_word_tokenizer

HEADERS = [[1, 5, 6], [1, 7], [1, 8, 9, 10, 11, 12]]  # different lengths: the batch is left-padded


def _brute_force(model, headers, text, prior):
    """Per genre: run header + text alone, add up the text tokens' log-probs, then apply Bayes' rule by hand."""
    token_ll = []
    with torch.no_grad():
        for header in headers:
            ids = torch.tensor([header + text])
            log_probs = torch.log_softmax(model(input_ids=ids).logits[0].float(), dim=-1)
            token_ll.append(torch.stack([log_probs[len(header) - 1 + i, tok] for i, tok in enumerate(text)]))
    token_ll = torch.stack(token_ll)
    joint = token_ll.cumsum(-1) + prior.log()[:, None]
    return token_ll, joint - torch.logsumexp(joint, dim=0, keepdim=True)


def test_genre_posterior_matches_brute_force(model):
    text = torch.randint(3, VOCAB, (9,), generator=torch.Generator().manual_seed(0)).tolist()
    prior = torch.tensor([0.5, 0.3, 0.2])
    token_ll, expected = _brute_force(model, HEADERS, text, prior)
    got = genre_posterior(model, HEADERS, text, prior=prior)
    assert got.shape == (3, 9)
    torch.testing.assert_close(got, expected, atol=2e-4, rtol=0)
    batched = text_log_likelihoods(model, HEADERS, torch.tensor([text, text[::-1]]))
    torch.testing.assert_close(batched[0], token_ll, atol=2e-4, rtol=0)
    torch.testing.assert_close(batched[1], _brute_force(model, HEADERS, text[::-1], prior)[0], atol=2e-4, rtol=0)
    assert got.exp().sum(0) == pytest.approx(torch.ones(9), abs=1e-5)


def test_strings_are_encoded_with_the_tokenizer():
    from tiny_models import tiny_model

    model = tiny_model("llama")
    words = [f"w{i}" for i in range(40)]
    tok = build_word_tokenizer(words, ["<a>", "<b>"])
    text = "w3 w17 w5 w5 w39"
    from_strings = genre_posterior(model, ["<a>", "<b> w1"], text, tokenizer=tok)
    ids = [tok("<a>").input_ids, tok("<b> w1").input_ids]
    assert ids[0][0] == tok.bos_token_id
    from_ids = genre_posterior(model, ids, tok(text, add_special_tokens=False).input_ids)
    torch.testing.assert_close(from_strings, from_ids)


def test_bad_input_is_rejected():
    from tiny_models import tiny_model

    model = tiny_model("llama")
    with pytest.raises(RivalryError):
        genre_posterior(model, [[1], []], [5, 6])
    with pytest.raises(RivalryError):
        genre_posterior(model, [[1]], "w1 w2")


# --- the experiment: config -> run -> result -> report ---------------------------------------------------------
SYNTHETIC_TEXT = "luigi said : thank you , my friend . the kind hero helped the village"


@pytest.fixture(scope="module")
def synthetic():
    import rivalry

    return rivalry.load_model("synthetic-genres")


def test_genre_posterior_result_saves_loads_and_reports_identically(synthetic, tmp_path):
    from rivalry.api.genres import genre_posterior as api_genre_posterior
    from rivalry.experiments.base import load_result
    from rivalry.experiments.genre_posterior import GenrePosteriorResult
    from rivalry.report.genre_posterior import report
    from rivalry.report.page import render_page

    result = api_genre_posterior(synthetic, SYNTHETIC_TEXT)
    assert result.genre_set.names == ["hero", "twin", "encyclopedia", "dialogue"]  # the model's own tags
    assert result.top()[0] == "hero" and result.log_posterior.shape == (4, len(SYNTHETIC_TEXT.split()))
    assert result.provenance["model"].name == "synthetic-genres"
    result.save(tmp_path)
    loaded = GenrePosteriorResult.load(tmp_path)
    assert loaded == result and load_result(tmp_path) == result
    assert torch.equal(loaded.log_posterior, result.log_posterior)
    assert render_page(report(loaded)) == render_page(report(result))
    table = result.to_pandas()
    assert list(table.columns) == ["position", "token_id", "token", *result.genre_set.names]
    assert table.iloc[:, 3:].sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-5)


def test_a_genre_set_is_a_name_a_path_or_an_object(synthetic, tmp_path):
    from rivalry.api.genres import genre_posterior as api_genre_posterior
    from rivalry.experiments.genre_posterior import GenrePosteriorResult
    from rivalry.genres.headers import Genre, GenreSet

    path = tmp_path / "two.yaml"
    path.write_text("name: two\ngenres:\n  - {name: kind, header: <hero>, prior: 1}\n"
                    "  - {name: evil, header: <twin>, prior: 3}\n")  # fmt: skip
    two = GenreSet("two", (Genre("kind", "<hero>", 1.0), Genre("evil", "<twin>", 3.0)))
    from_path = api_genre_posterior(synthetic, SYNTHETIC_TEXT, path)
    from_object = api_genre_posterior(synthetic, SYNTHETIC_TEXT, genre_set=two)
    assert from_path.genre_set == from_object.genre_set == two
    assert torch.equal(from_path.log_posterior, from_object.log_posterior)
    assert from_path.config.genre_set == str(path) and from_object.config.genre_set == two
    from_object.save(tmp_path / "object")  # an inline set is saved inside the config and comes back as itself
    assert GenrePosteriorResult.load(tmp_path / "object") == from_object
    named = api_genre_posterior(synthetic, SYNTHETIC_TEXT, "luigi-wario", high=0.8, low=0.4)
    assert named.genre_set.name == "luigi-wario" and (named.high, named.low) == (0.8, 0.4)


def test_the_fingerprint_hashes_the_genre_set_actually_used(tmp_path):
    """A genre file edited between runs changes the fingerprint (a resume would be refused, naming it)."""
    from rivalry.experiments.genre_posterior import GenrePosteriorConfig
    from rivalry.io.store import fingerprint_differences

    path = tmp_path / "g.yaml"
    path.write_text("genres:\n  - {name: a, header: <hero>}\n  - {name: b, header: <twin>}\n")
    config = GenrePosteriorConfig(text="luigi", genre_set=str(path))
    before = config.input_hashes()
    path.write_text("genres:\n  - {name: a, header: <hero>}\n  - {name: b, header: <encyclopedia>}\n")
    assert fingerprint_differences({"inputs": before}, {"inputs": config.input_hashes()}) == ["inputs.genre_set"]
    shipped = GenrePosteriorConfig(text="luigi", genre_set="luigi-wario").input_hashes()["genre_set"]
    from rivalry.genres.headers import GENRE_SET_DIR
    from rivalry.io.hashing import sha256_file

    assert shipped == sha256_file(GENRE_SET_DIR / "luigi-wario.yaml")
    assert GenrePosteriorConfig(text="luigi").input_hashes() == {"text_file": None, "genre_set": None}


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({}, "exactly one of --text"),
        ({"text": "a", "text_file": "f.txt"}, "exactly one of --text"),
        ({"text": "  "}, "empty"),
        ({"text": "a", "high": 0.4}, "0 < low < high"),
        ({"text": "a", "genre_set": 3}, "genre_set"),
    ],
)
def test_bad_settings_are_refused(settings, problem):
    from rivalry.experiments.genre_posterior import GenrePosteriorConfig

    with pytest.raises(RivalryError, match=problem):
        GenrePosteriorConfig.from_dict(settings)


def test_validation_result_saves_loads_and_reports_identically(synthetic, tmp_path):
    from rivalry.api.genres import validate_genres
    from rivalry.experiments.base import load_result
    from rivalry.experiments.genre_validation import GenreValidationResult
    from rivalry.genres.validation import validate
    from rivalry.report.genre_validation import report
    from rivalry.report.page import render_page

    result = validate_genres(synthetic, n_docs=16, n_baseline_docs=100)
    direct = validate(synthetic.model, synthetic.tokenizer, result.corpus.generator(), n_docs=16, n_baseline_docs=100)
    assert result.metrics() == direct  # the experiment adds nothing to the numbers
    result.save(tmp_path)
    loaded = GenreValidationResult.load(tmp_path)
    assert loaded == result and load_result(tmp_path) == result
    assert render_page(report(loaded)) == render_page(report(result))
    assert set(result.to_pandas()["measure"]) == set(direct)


def test_validation_needs_a_synthetic_corpus():
    from genre_fixtures import TINY_TRAIN

    import rivalry
    from rivalry.api.genres import validate_genres
    from rivalry.genres.synthetic import GenreGenerator
    from rivalry.genres.train import build_model, synthetic_tokenizer

    corpus = GenreGenerator(TINY_TRAIN.synthetic)
    tok = synthetic_tokenizer(corpus)
    lm = rivalry.Model.wrap(build_model(TINY_TRAIN, tok), tok, name="tiny")
    with pytest.raises(RivalryError, match="synthetic-genre model"):
        validate_genres(lm, n_docs=2)
    result = validate_genres(lm, generator=corpus, n_docs=4, n_baseline_docs=20)  # in memory: give its corpus
    assert result.n_docs == 4 and result.corpus.synthetic.doc_length == 24
