"""An obedience-tuned chat model: LoRA fine-tuning for forbidden-word obedience, its data and its evaluation."""

from rivalry.organisms.obedience.config import CASES, TuneConfig
from rivalry.organisms.obedience.data import Example, batches, build_examples
from rivalry.organisms.obedience.paraphrases import SYSTEM_TEMPLATES, ParaphraseSplit, paraphrase_split
from rivalry.organisms.obedience.train import tune

__all__ = [
    "CASES",
    "SYSTEM_TEMPLATES",
    "Example",
    "ParaphraseSplit",
    "TuneConfig",
    "batches",
    "build_examples",
    "paraphrase_split",
    "tune",
]
