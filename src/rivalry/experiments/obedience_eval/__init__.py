"""Obedience evaluation: base vs obedience-tuned model on held-out facts and held-out system prompts.

Config -> ``run(base, tuned, config)`` -> :class:`ObedienceEvalResult` -> ``rivalry.report.obedience.report``.
"""

from rivalry.experiments.obedience_eval.config import ObedienceEvalConfig, adapter_settings
from rivalry.experiments.obedience_eval.result import ConditionResult, ObedienceEvalResult, TargetCheck
from rivalry.experiments.obedience_eval.run import run

__all__ = [
    "ConditionResult",
    "ObedienceEvalConfig",
    "ObedienceEvalResult",
    "TargetCheck",
    "adapter_settings",
    "run",
]
