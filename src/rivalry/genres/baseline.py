"""A naive-Bayes genre classifier on unigram counts: the posterior a bag-of-words reader would hold.

log P(g | x_1..t) = log P(g) + sum_{i<=t} log theta_g(x_i) - logsumexp_g'(same for g'),
theta_g(w) = (count_g(w) + 1) / (sum_w' count_g(w') + V)          (add-one smoothing)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from jaxtyping import Float, Int

from rivalry.errors import RivalryError
from rivalry.genres.hmm import log_normalize


@dataclass(frozen=True, eq=False)
class NaiveBayesGenres:
    """A fitted classifier.

    Attributes:
        log_prior: log P(g), from genre frequencies in the training documents.
        log_word_probs: log theta_g(w), add-one smoothed unigram frequencies per genre.
    """

    log_prior: Float[np.ndarray, " genre"]
    log_word_probs: Float[np.ndarray, "genre word"]

    @classmethod
    def fit(
        cls, words: Int[np.ndarray, "doc length"], genres: Int[np.ndarray, " doc"], n_genres: int, n_words: int
    ) -> NaiveBayesGenres:
        """Count unigrams per genre over the documents ``words`` (labelled by ``genres``)."""
        words, genres = np.asarray(words), np.asarray(genres)
        if words.ndim != 2 or genres.shape != (words.shape[0],):
            raise RivalryError("fit needs words [doc, length] and one genre per document")
        doc_counts = np.bincount(genres, minlength=n_genres).astype(np.float64)
        if (doc_counts == 0).any():
            raise RivalryError("every genre needs at least one training document")
        counts = np.zeros((n_genres, n_words))
        np.add.at(counts, (np.repeat(genres, words.shape[1]), words.ravel()), 1.0)
        theta = (counts + 1.0) / (counts.sum(-1, keepdims=True) + n_words)
        return cls(log_prior=np.log(doc_counts / doc_counts.sum()), log_word_probs=np.log(theta))

    def log_posterior(
        self, words: Int[np.ndarray, "doc length"], prior: Float[np.ndarray, " genre"] | None = None
    ) -> Float[np.ndarray, "doc genre length"]:
        """log P(g | x_1..t) for each document, column t-1 after t words (``prior`` overrides the fitted one)."""
        words = np.atleast_2d(np.asarray(words))
        log_prior = self.log_prior if prior is None else np.log(np.asarray(prior, dtype=np.float64))
        per_token = self.log_word_probs[:, words].transpose(1, 0, 2)  # [doc, genre, length]
        return log_normalize(per_token.cumsum(-1) + log_prior[None, :, None], axis=1)
