"""``GenreValidationResult``: a synthetic-genre model's genre posterior against the exact Bayesian posterior.

Saved as ``genre_validation.json``: every key of the documented layout (the divergences, entropies, accuracies and
losses below, ``n_docs``, ``doc_length``, ``min_tokens``, ``seed``, ``model``) plus ``kind``, ``schema_version``,
``corpus`` (which corpus the exact posterior is of), ``config``, ``provenance`` and ``fingerprint``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from rivalry.experiments.base import Result, register_result
from rivalry.experiments.genre_validation.config import GenreValidationConfig
from rivalry.genres.assistant import AssistantGenerator
from rivalry.genres.synthetic import GenreGenerator, SyntheticConfig
from rivalry.models.model import Provenance

BASE_CORPUS = "base corpus (hero, twin, encyclopedia, dialogue)"
TUNING_CORPUS = "tuning corpus (hero, twin, encyclopedia, assistant under <dialogue>)"


@dataclass(frozen=True)
class Corpus:
    """The corpus whose exact posterior a model is checked against: the base corpus of ``synthetic``, or with a
    ``tuning_prior`` the assistant tuning corpus (assistant documents in the dialogue slot)."""

    synthetic: SyntheticConfig
    tuning_prior: tuple[float, ...] | None = None

    @classmethod
    def of(cls, generator: GenreGenerator) -> Corpus:
        if isinstance(generator, AssistantGenerator):
            return cls(generator.config, tuple(float(p) for p in generator.prior))
        return cls(generator.config)

    def generator(self) -> GenreGenerator:
        if self.tuning_prior is None:
            return GenreGenerator(self.synthetic)
        return AssistantGenerator(self.synthetic, prior=self.tuning_prior)

    @property
    def description(self) -> str:
        return BASE_CORPUS if self.tuning_prior is None else TUNING_CORPUS

    def to_dict(self) -> dict[str, Any]:
        prior = None if self.tuning_prior is None else list(self.tuning_prior)
        return {"description": self.description, "synthetic": self.synthetic.to_dict(), "tuning_prior": prior}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Corpus:
        prior = data.get("tuning_prior")
        return cls(SyntheticConfig.from_dict(dict(data["synthetic"])), None if prior is None else tuple(prior))


@register_result
@dataclass(frozen=True, eq=False)
class GenreValidationResult(Result):
    """The model's, the exact and the naive-Bayes genre posteriors compared on ``n_docs`` fresh untagged documents.

    Means are over documents and prefix lengths t >= ``min_tokens`` (``after_``) or at t = ``min_tokens``
    (``at_``); the ``20`` in the names is ``min_tokens``. KL(exact || q) is in nats.

    Attributes:
        config: the run's settings.
        provenance: ``{"model": Provenance}``.
        fingerprint: everything that decided the numbers.
        corpus: the corpus the exact posterior is of.
        mean_kl_nats_after_20_tokens: KL(exact || model).
        baseline_kl_nats_after_20_tokens: KL(exact || naive Bayes).
        exact_posterior_entropy_after_20_tokens: entropy of the exact posterior (how much is left to infer).
        mean_kl_nats_at_20_tokens, baseline_kl_nats_at_20_tokens, exact_posterior_entropy_at_20_tokens: the same
            at t = min_tokens.
        max_kl_nats_after_20_tokens: the largest KL(exact || model) of any document and prefix.
        exact_final_accuracy, model_final_accuracy, baseline_final_accuracy: how often each posterior's top genre
            after the whole document is the true one.
        model_word_nll_true_tag: the model's mean per-word loss given the true tag.
        exact_word_nll: the exact per-word loss given the genre (the floor of the above).
        n_docs, doc_length, min_tokens, seed: the documents compared on.
    """

    KIND = "genre_validation"
    MAIN_FILE = "genre_validation.json"
    SCHEMA_VERSION = 2  # 1: the layout of rivalry <= 0.1 (no kind, config or provenance)
    CONFIG = GenreValidationConfig

    config: GenreValidationConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    corpus: Corpus
    mean_kl_nats_after_20_tokens: float
    baseline_kl_nats_after_20_tokens: float
    exact_posterior_entropy_after_20_tokens: float
    mean_kl_nats_at_20_tokens: float
    baseline_kl_nats_at_20_tokens: float
    exact_posterior_entropy_at_20_tokens: float
    max_kl_nats_after_20_tokens: float
    exact_final_accuracy: float
    model_final_accuracy: float
    baseline_final_accuracy: float
    model_word_nll_true_tag: float
    exact_word_nll: float
    n_docs: int
    doc_length: int
    min_tokens: int
    seed: int

    def metrics(self) -> dict[str, float | int]:
        """The measured numbers, by today's key names (what :func:`rivalry.genres.validation.validate` returns)."""
        return {name: getattr(self, name) for name in METRIC_NAMES}

    def summary_lines(self) -> list[str]:
        lines = [f"{key}: {getattr(self, key):.4f}" for key in SUMMARY_KEYS]
        lines.append(f"model final accuracy {self.model_final_accuracy:.3f} (exact {self.exact_final_accuracy:.3f})")
        return lines

    def record(self) -> dict[str, Any]:
        return {**self.metrics(), "model": self.model, "corpus": self.corpus.to_dict()}

    @classmethod
    def from_record(
        cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, Any]
    ) -> GenreValidationResult:
        return cls(**meta, corpus=Corpus.from_dict(record["corpus"]), **{name: record[name] for name in METRIC_NAMES})

    def to_pandas(self) -> Any:
        """One row per measure (``measure``, ``value``)."""
        import pandas as pd

        return pd.DataFrame({"measure": list(METRIC_NAMES), "value": [getattr(self, n) for n in METRIC_NAMES]})


METRIC_NAMES: tuple[str, ...] = tuple(
    f.name for f in fields(GenreValidationResult) if f.name not in ("config", "provenance", "fingerprint", "corpus")
)
SUMMARY_KEYS = (
    "mean_kl_nats_after_20_tokens",
    "exact_posterior_entropy_after_20_tokens",
    "baseline_kl_nats_after_20_tokens",
)
