"""Hidden Markov models over a word vocabulary: sampling and the forward algorithm in log space.

A genre of the synthetic corpus is one HMM; the exact genre posterior of a text is Bayes' rule over the
genres' forward-algorithm likelihoods.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from jaxtyping import Float, Int

from rivalry.errors import RivalryError


@dataclass(frozen=True, eq=False)
class HMM:
    """An HMM with ``state`` hidden states emitting words of a ``word``-sized vocabulary.

    Attributes:
        initial: P(s_1 = s).
        transition: transition[s, s'] = P(s_{t+1} = s' | s_t = s).
        emission: emission[s, w] = P(x_t = w | s_t = s).
        state_names: a label per state (for reading, not for computation).
    """

    initial: Float[np.ndarray, " state"]
    transition: Float[np.ndarray, "state state"]
    emission: Float[np.ndarray, "state word"]
    state_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = self.initial.shape[0]
        if self.transition.shape != (n, n) or self.emission.ndim != 2 or self.emission.shape[0] != n:
            raise RivalryError(
                f"HMM shapes disagree: initial {self.initial.shape}, transition {self.transition.shape}, "
                f"emission {self.emission.shape}"
            )
        for name, probs in (("initial", self.initial), ("transition", self.transition), ("emission", self.emission)):
            if (probs < 0).any() or not np.allclose(probs.sum(-1), 1.0, atol=1e-8):
                raise RivalryError(f"HMM {name} rows must be probability distributions")
        if self.state_names and len(self.state_names) != n:
            raise RivalryError(f"{len(self.state_names)} state names for {n} states")

    @property
    def n_states(self) -> int:
        return int(self.initial.shape[0])

    @property
    def n_words(self) -> int:
        return int(self.emission.shape[1])

    def sample(self, n: int, length: int, rng: np.random.Generator) -> Int[np.ndarray, "doc length"]:
        """``n`` independent word sequences of ``length`` words (vectorised over documents)."""
        states = _draw(np.broadcast_to(self.initial, (n, self.n_states)), rng)
        words = np.empty((n, length), dtype=np.int64)
        for t in range(length):
            words[:, t] = _draw(self.emission[states], rng)
            states = _draw(self.transition[states], rng)
        return words

    def prefix_log_likelihood(self, words: Int[np.ndarray, "doc length"]) -> Float[np.ndarray, "doc length"]:
        """log P(x_1..t) for every prefix length t (column t-1), by the forward algorithm in log space.

        log a_1(s) = log pi(s) + log B(s, x_1)
        log a_t(s') = logsumexp_s(log a_{t-1}(s) + log A(s, s')) + log B(s', x_t)
        log P(x_1..t) = logsumexp_s log a_t(s)
        """
        words = np.asarray(words)
        if words.ndim != 2:
            raise RivalryError(f"expected words of shape [doc, length], got {words.shape}")
        with np.errstate(divide="ignore"):
            log_a, log_b, log_pi = np.log(self.transition), np.log(self.emission), np.log(self.initial)
        n, length = words.shape
        out = np.empty((n, length))
        alpha = log_pi[None, :] + log_b[:, words[:, 0]].T  # [doc, state]
        out[:, 0] = _logsumexp(alpha, axis=-1)
        for t in range(1, length):
            alpha = _logsumexp(alpha[:, :, None] + log_a[None], axis=1) + log_b[:, words[:, t]].T
            out[:, t] = _logsumexp(alpha, axis=-1)
        return out


def _draw(probs: Float[np.ndarray, "row k"], rng: np.random.Generator) -> Int[np.ndarray, " row"]:
    """One categorical draw per row (inverse CDF; one uniform per row keeps streams reproducible)."""
    cdf = np.cumsum(probs, axis=-1)
    u = rng.random(probs.shape[0]) * cdf[:, -1]
    return np.minimum((cdf < u[:, None]).sum(-1), probs.shape[-1] - 1)


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(peak, axis=axis) + np.log(np.exp(x - peak).sum(axis=axis))


def log_normalize(log_weights: Float[np.ndarray, "... k"], axis: int = -1) -> Float[np.ndarray, "... k"]:
    """Subtract logsumexp along ``axis`` so that the exponentials sum to one."""
    return log_weights - np.expand_dims(_logsumexp(log_weights, axis=axis), axis)
