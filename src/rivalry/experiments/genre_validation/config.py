"""Settings of a genre validation: how many held-out documents, which seed, from which prefix length on."""

from __future__ import annotations

from dataclasses import dataclass

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig


@dataclass(frozen=True)
class GenreValidationConfig(ExperimentConfig):
    """How to check a synthetic-genre model's posterior against the exact Bayesian one.

    Attributes:
        n_docs: held-out untagged documents the posteriors are compared on.
        seed: seed of those documents (and, with a second stream, of the naive-Bayes training documents).
        min_tokens: divergences are averaged over prefix lengths t >= min_tokens (the 20 in the keys' names).
        n_baseline_docs: tagged documents the naive-Bayes baseline is fitted on.
        batch_docs: documents per forward pass.
    """

    n_docs: int = 512
    seed: int = 12345
    min_tokens: int = 20
    n_baseline_docs: int = 2000
    batch_docs: int = 32

    def __post_init__(self) -> None:
        if self.n_docs < 1:
            raise RivalryError("--docs must be at least 1 (n_docs)")
        if self.min_tokens < 1 or self.n_baseline_docs < 1 or self.batch_docs < 1:
            raise RivalryError("min_tokens, n_baseline_docs and batch_docs must be at least 1")
