"""How much of a hidden variable an observer of the output recovers, and the information bound it gives.

For any observer q(y | output), the mutual information between the label Y and the output O satisfies

    I(Y; O) = H(Y) - H(Y | O) >= H(Y) - CE(q),    CE(q) = E[-log2 q(Y | O)],

since the cross-entropy of any predictor is at least the conditional entropy. On held-out groups, H(Y) is the
empirical entropy of the held-out labels and CE the observer's mean held-out cross-entropy, in bits. As I >= 0
too, the reported bound is ``max(0, H - CE)``: never negative, and exactly 0 for an observer that ignores its
input (a constant q gives CE >= H, with equality at the held-out frequencies); the unclipped ``H - CE`` is kept
as ``raw``.

Observers (fitted on the train groups, :func:`~rivalry.latents.probes.fit_classifier`):

- next token: the log-probabilities of the ``n_features`` tokens most likely on average over the train texts
  (a text's log-probability of a token outside its own top list is floored at its lowest listed one), and the
  shape of the distribution whatever the tokens: each text's own ``n_ranked`` highest log-probabilities, sorted
  (how confident the model is, which a forbidden answer changes without naming it);
- samples: the bag of tokens of each text's sampled continuation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from jaxtyping import Float, Int
from scipy import sparse

from rivalry.latents.probes import auroc, fit_classifier


def entropy_bits(labels: Int[np.ndarray, " n"], n_classes: int) -> float:
    """Empirical entropy of ``labels`` in bits."""
    freq = np.bincount(labels, minlength=n_classes) / len(labels)
    freq = freq[freq > 0]
    return float(-(freq * np.log2(freq)).sum())


def cross_entropy_bits(probabilities: Float[np.ndarray, "n cls"], labels: Int[np.ndarray, " n"]) -> float:
    """Mean -log2 q(y | o) of the true labels (q clipped at 1e-12)."""
    picked = np.clip(probabilities[np.arange(len(labels)), labels], 1e-12, None)
    return float(-np.log2(picked).mean())


@dataclass(frozen=True)
class BitsBound:
    bound: float  # max(0, raw)
    raw: float  # H(Y) - CE(q)
    label_entropy: float
    cross_entropy: float


def bits_lower_bound(probabilities: Float[np.ndarray, "n cls"], labels: Int[np.ndarray, " n"]) -> BitsBound:
    """I(Y; O) >= max(0, H(Y) - CE(q)) in bits, on the rows given (see the module docstring)."""
    h = entropy_bits(labels, probabilities.shape[1])
    ce = cross_entropy_bits(probabilities, labels)
    return BitsBound(bound=max(0.0, h - ce), raw=h - ce, label_entropy=h, cross_entropy=ce)


def next_token_features(
    top_ids: Int[np.ndarray, "n k"],
    top_logprobs: Float[np.ndarray, "n k"],
    train: Int[np.ndarray, " n_train"],
    n_features: int = 64,
    n_ranked: int = 16,
) -> tuple[Float[np.ndarray, "n f"], Int[np.ndarray, " f"]]:
    """Every text's log-probabilities of the ``n_features`` tokens of highest mean probability over ``train``,
    then its ``n_ranked`` highest log-probabilities in decreasing order; also returns the chosen token ids."""
    probs = np.zeros(int(top_ids.max()) + 1)
    np.add.at(probs, top_ids[train].reshape(-1), np.exp(top_logprobs[train]).reshape(-1))
    chosen = np.argsort(-probs, kind="stable")[: min(n_features, int((probs > 0).sum()))]
    floor = top_logprobs.min(1, keepdims=True)
    features = np.repeat(floor, len(chosen), axis=1)
    column = {int(t): j for j, t in enumerate(chosen)}
    for row in range(top_ids.shape[0]):
        for token, value in zip(top_ids[row].tolist(), top_logprobs[row].tolist(), strict=True):
            j = column.get(token)
            if j is not None:
                features[row, j] = value
    ranked = -np.sort(-top_logprobs, axis=1)[:, :n_ranked]
    return np.concatenate([features, ranked], axis=1), chosen


def sample_features(samples: Int[np.ndarray, "n s"], train: Int[np.ndarray, " n_train"]) -> sparse.csr_matrix:
    """Token counts of each continuation over the tokens seen in the train continuations (``-1`` ignored)."""
    vocabulary = sorted({int(t) for t in samples[train].reshape(-1) if t >= 0})
    column = {t: j for j, t in enumerate(vocabulary)}
    rows, cols = [], []
    for row in range(samples.shape[0]):
        for token in samples[row].tolist():
            j = column.get(int(token))
            if j is not None:
                rows.append(row)
                cols.append(j)
    data = np.ones(len(rows))
    return sparse.csr_matrix((data, (rows, cols)), shape=(samples.shape[0], max(1, len(vocabulary))))


@dataclass(frozen=True)
class Observer:
    """An observer's held-out probabilities and its scores on all held-out rows."""

    probabilities: Float[np.ndarray, "m cls"]
    auroc: float | None
    bits: BitsBound


def observe(
    features: np.ndarray | sparse.csr_matrix,
    labels: Int[np.ndarray, " n"],
    train: Int[np.ndarray, " n_train"],
    test: Int[np.ndarray, " n_test"],
    train_groups: Sequence[str],
    n_classes: int,
    folds: int = 3,
    seed: int = 0,
) -> Observer:
    """Fit an observer on the train rows of ``features`` and score it on the test rows."""
    fit = fit_classifier(features[train], labels[train], train_groups, features[test], n_classes, folds, seed)
    y = labels[test]
    score = fit.probabilities if n_classes > 2 else fit.probabilities[:, 1]
    return Observer(
        probabilities=fit.probabilities, auroc=auroc(y, score, n_classes), bits=bits_lower_bound(fit.probabilities, y)
    )
