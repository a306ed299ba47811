"""The synthetic genre corpus: HMM forward algorithm against enumeration, sampling, the exact posterior."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rivalry.errors import RivalryError
from rivalry.genres.baseline import NaiveBayesGenres
from rivalry.genres.hmm import HMM
from rivalry.genres.synthetic import GENRES, GenreGenerator, SyntheticConfig


def _tiny_hmm() -> HMM:
    return HMM(
        initial=np.array([0.6, 0.4]),
        transition=np.array([[0.7, 0.3], [0.2, 0.8]]),
        emission=np.array([[0.5, 0.4, 0.1], [0.1, 0.3, 0.6]]),
    )


def _brute_force_log_likelihood(hmm: HMM, words: tuple[int, ...]) -> float:
    """log P(x) by summing P(s, x) over every hidden path."""
    total = 0.0
    for path in itertools.product(range(hmm.n_states), repeat=len(words)):
        p = hmm.initial[path[0]] * hmm.emission[path[0], words[0]]
        for prev, state, word in zip(path, path[1:], words[1:], strict=False):
            p *= hmm.transition[prev, state] * hmm.emission[state, word]
        total += p
    return float(np.log(total))


def test_forward_algorithm_matches_enumeration():
    hmm = _tiny_hmm()
    sequences = np.array(list(itertools.product(range(hmm.n_words), repeat=4)))
    prefix = hmm.prefix_log_likelihood(sequences)
    for row, seq in enumerate(sequences):
        for t in range(1, 5):
            assert prefix[row, t - 1] == pytest.approx(_brute_force_log_likelihood(hmm, tuple(seq[:t])), abs=1e-12)
    # the full-length likelihoods of every sequence sum to one
    assert np.exp(prefix[:, -1]).sum() == pytest.approx(1.0, abs=1e-12)


def test_hmm_rejects_bad_parameters():
    with pytest.raises(RivalryError):
        HMM(initial=np.array([0.5, 0.6]), transition=np.eye(2), emission=np.full((2, 3), 1 / 3))
    with pytest.raises(RivalryError):
        HMM(initial=np.array([0.5, 0.5]), transition=np.eye(3), emission=np.full((2, 3), 1 / 3))


def test_hmm_sample_frequencies_match_the_first_emission():
    hmm = _tiny_hmm()
    words = hmm.sample(20000, 1, np.random.default_rng(0))[:, 0]
    expected = hmm.initial @ hmm.emission
    assert np.bincount(words, minlength=3) / len(words) == pytest.approx(expected, abs=0.015)


def test_sampling_is_reproducible():
    gen = GenreGenerator(SyntheticConfig(doc_length=16))
    a, b, c = gen.sample(32, seed=3), gen.sample(32, seed=3), gen.sample(32, seed=4)
    assert np.array_equal(a.words, b.words) and np.array_equal(a.genres, b.genres)
    assert np.array_equal(a.tagged, b.tagged)
    assert not np.array_equal(a.words, c.words)
    # structure does not depend on the sampling seed, only on config.seed
    assert np.array_equal(GenreGenerator(SyntheticConfig()).hmms[0].emission, gen.hmms[0].emission)


def test_sample_shapes_genres_and_tag_fraction():
    gen = GenreGenerator(SyntheticConfig(doc_length=8, tag_fraction=0.5))
    docs = gen.sample(4000, seed=0)
    assert docs.words.shape == (4000, 8)
    assert docs.words.min() >= 0 and docs.words.max() < len(gen.words)
    assert np.bincount(docs.genres, minlength=4) / 4000 == pytest.approx([0.25] * 4, abs=0.03)
    assert docs.tagged.mean() == pytest.approx(0.5, abs=0.03)
    assert gen.tags == tuple(f"<{g}>" for g in GENRES)


def test_exact_posterior_is_normalised():
    gen = GenreGenerator(SyntheticConfig(doc_length=30))
    log_post = gen.exact_log_posterior(gen.sample(16, seed=1).words)
    assert log_post.shape == (16, 4, 30)
    assert np.exp(log_post).sum(axis=1) == pytest.approx(np.ones((16, 30)), abs=1e-10)


def test_exact_posterior_favours_the_true_genre_on_long_documents():
    gen = GenreGenerator(SyntheticConfig(doc_length=600))
    docs = gen.sample(60, seed=2)
    final = np.exp(gen.exact_log_posterior(docs.words)[:, :, -1])
    for g in range(4):
        rows = docs.genres == g
        assert rows.sum() >= 5
        assert (final[rows].argmax(1) == g).mean() >= 0.8
        assert final[rows, g].mean() > 0.8


def test_hero_and_twin_differ_only_in_who_is_kind():
    """The twin story is the hero story with the two speakers' words swapped: same states, same transitions."""
    hero, twin = GenreGenerator().hmms[:2]
    assert hero.state_names == twin.state_names
    assert np.array_equal(hero.transition, twin.transition) and np.array_equal(hero.initial, twin.initial)
    luigi, wario = hero.state_names.index("luigi speaks"), hero.state_names.index("wario speaks")
    swap = list(range(hero.n_states))
    swap[luigi], swap[wario] = wario, luigi
    assert np.allclose(hero.emission, twin.emission[swap])
    assert not np.allclose(hero.emission, twin.emission)


def test_naive_bayes_cannot_see_what_separates_the_stories():
    gen = GenreGenerator(SyntheticConfig(doc_length=48))
    docs = gen.sample(400, seed=7)
    story = docs.genres <= 1
    exact = np.exp(gen.exact_log_posterior(docs.words)[story, :, -1])
    train = gen.sample(2000, seed=8)
    nb = NaiveBayesGenres.fit(train.words, train.genres, gen.n_genres, len(gen.words))
    baseline = np.exp(nb.log_posterior(docs.words[story], prior=gen.prior)[:, :, -1])
    rows = np.arange(story.sum())
    assert exact[rows, docs.genres[story]].mean() > baseline[rows, docs.genres[story]].mean() + 0.15


def test_prior_changes_the_posterior_as_bayes_rule_says():
    gen = GenreGenerator(SyntheticConfig(doc_length=5))
    words = gen.sample(4, seed=5).words
    prior = np.array([0.7, 0.1, 0.1, 0.1])
    uniform, skewed = gen.exact_log_posterior(words), gen.exact_log_posterior(words, prior=prior)
    ratio = (skewed - uniform) - (skewed - uniform)[:, :1]
    assert ratio[:, :, -1] == pytest.approx(np.broadcast_to(np.log(prior / prior[0]), (4, 4)), abs=1e-10)


def test_config_validation_and_round_trip():
    with pytest.raises(RivalryError):
        SyntheticConfig(overlap=1.0)
    with pytest.raises(RivalryError):
        SyntheticConfig(genre_prior=(0.5, 0.5))
    with pytest.raises(RivalryError):
        SyntheticConfig(luigi_share=1.0)
    config = SyntheticConfig(overlap=0.2, genre_prior=(0.4, 0.2, 0.2, 0.2))
    assert SyntheticConfig.from_dict(config.to_dict()) == config
