"""The naive-Bayes genre baseline."""

from __future__ import annotations

import numpy as np
import pytest

from rivalry.errors import RivalryError
from rivalry.genres.baseline import NaiveBayesGenres
from rivalry.genres.synthetic import GenreGenerator, SyntheticConfig


def test_fit_is_add_one_smoothed_counting():
    words = np.array([[0, 0, 1], [2, 2, 2]])
    nb = NaiveBayesGenres.fit(words, np.array([0, 1]), n_genres=2, n_words=3)
    assert np.exp(nb.log_word_probs) == pytest.approx(np.array([[3, 2, 1], [1, 1, 4]]) / 6)
    assert np.exp(nb.log_prior) == pytest.approx([0.5, 0.5])


def test_posterior_by_hand():
    nb = NaiveBayesGenres(log_prior=np.log([0.25, 0.75]), log_word_probs=np.log([[0.5, 0.5], [0.2, 0.8]]))
    log_post = nb.log_posterior(np.array([[0, 1]]))
    after_one = np.array([0.25 * 0.5, 0.75 * 0.2])
    after_two = np.array([0.25 * 0.5 * 0.5, 0.75 * 0.2 * 0.8])
    assert np.exp(log_post[0, :, 0]) == pytest.approx(after_one / after_one.sum())
    assert np.exp(log_post[0, :, 1]) == pytest.approx(after_two / after_two.sum())
    overridden = nb.log_posterior(np.array([[0]]), prior=np.array([0.5, 0.5]))
    assert np.exp(overridden[0, :, 0]) == pytest.approx([0.5 / 0.7, 0.2 / 0.7])


def test_baseline_separates_unigram_distinct_genres():
    gen = GenreGenerator(SyntheticConfig(doc_length=100))
    train = gen.sample(400, seed=0)
    nb = NaiveBayesGenres.fit(train.words, train.genres, gen.n_genres, len(gen.words))
    test = gen.sample(100, seed=1)
    log_post = nb.log_posterior(test.words)
    assert np.exp(log_post).sum(axis=1) == pytest.approx(np.ones((100, 100)))
    # encyclopedia and dialogue differ in word frequencies; hero and twin do not (they are pooled as "story")
    story = lambda g: np.where(g <= 1, 0, g)  # noqa: E731
    assert (story(log_post[:, :, -1].argmax(1)) == story(test.genres)).mean() > 0.9


def test_fit_needs_every_genre():
    with pytest.raises(RivalryError):
        NaiveBayesGenres.fit(np.array([[0, 1]]), np.array([0]), n_genres=2, n_words=2)
