"""Base vs tuned: how tuning shifted a model's prior, collapsed its answers and narrowed its outputs.

``run(base, tuned, BaseVsTunedConfig(...)) -> BaseVsTunedResult``; the mechanics are in :mod:`.measures`
(prior shift, answer distributions, EAD, sampling) and :mod:`.posterior_shift`; the synthetic pair's inputs in
:mod:`.synthetic_pair`.
"""

from .config import BaseVsTunedConfig, load_neutral_texts
from .measures import (
    AnswerDistribution,
    PriorShift,
    answer_distribution,
    expectation_adjusted_distinct,
    expected_distinct,
    prior_shift,
    sample_continuations,
)
from .posterior_shift import GenrePosteriorShift, PosteriorShiftRow, genre_posterior_shift
from .result import AnswerRow, BaseVsTunedResult, DiversityMean, DiversityRow
from .run import run
from .synthetic_pair import synthetic_neutral_texts

__all__ = [
    "AnswerDistribution",
    "AnswerRow",
    "BaseVsTunedConfig",
    "BaseVsTunedResult",
    "DiversityMean",
    "DiversityRow",
    "GenrePosteriorShift",
    "PosteriorShiftRow",
    "PriorShift",
    "answer_distribution",
    "expectation_adjusted_distinct",
    "expected_distinct",
    "genre_posterior_shift",
    "load_neutral_texts",
    "prior_shift",
    "run",
    "sample_continuations",
    "synthetic_neutral_texts",
]
