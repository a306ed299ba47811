"""Base vs tuned: how tuning shifted a model's prior, collapsed its answers and narrowed its outputs."""

from .compare import BaseVsTunedConfig, load_neutral_texts, run_base_vs_tuned, write_base_vs_tuned
from .measures import (
    AnswerDistribution,
    PriorShift,
    answer_distribution,
    expectation_adjusted_distinct,
    expected_distinct,
    prior_shift,
    sample_continuations,
)
from .posterior_shift import genre_posterior_shift
from .synthetic_pair import synthetic_base_vs_tuned_config, synthetic_neutral_texts

__all__ = [
    "AnswerDistribution",
    "BaseVsTunedConfig",
    "PriorShift",
    "answer_distribution",
    "expectation_adjusted_distinct",
    "expected_distinct",
    "genre_posterior_shift",
    "load_neutral_texts",
    "prior_shift",
    "run_base_vs_tuned",
    "sample_continuations",
    "synthetic_base_vs_tuned_config",
    "synthetic_neutral_texts",
    "write_base_vs_tuned",
]
