"""Obedience tuning: train the LoRA adapter of an obedience-tuned chat model (``smollm2-obedient``'s recipe).

Config -> ``run(model, config, out)`` -> :class:`TuneResult` (the adapter files in ``out`` are the product).
"""

from rivalry.experiments.obedience_tune.config import ObedienceTuneConfig
from rivalry.experiments.obedience_tune.result import (
    FactSplitRecord,
    ParaphraseRecord,
    Timings,
    TrainingStep,
    TuneResult,
)
from rivalry.experiments.obedience_tune.run import run

__all__ = [
    "FactSplitRecord",
    "ObedienceTuneConfig",
    "ParaphraseRecord",
    "Timings",
    "TrainingStep",
    "TuneResult",
    "run",
]
