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

__all__ = [
    "AnswerDistribution",
    "BaseVsTunedConfig",
    "PriorShift",
    "answer_distribution",
    "expectation_adjusted_distinct",
    "expected_distinct",
    "load_neutral_texts",
    "prior_shift",
    "run_base_vs_tuned",
    "sample_continuations",
    "write_base_vs_tuned",
]
