"""An obedience-tuned chat model's ingredients: its training data, system-prompt paraphrases and objective.

The runs that use them are experiments: ``rivalry.experiments.obedience_tune`` trains the LoRA adapter and
``rivalry.experiments.obedience_eval`` measures base vs tuned.
"""

from rivalry.organisms.obedience.data import CASES, Example, batches, build_examples
from rivalry.organisms.obedience.paraphrases import SYSTEM_TEMPLATES, ParaphraseSplit, paraphrase_split

__all__ = [
    "CASES",
    "SYSTEM_TEMPLATES",
    "Example",
    "ParaphraseSplit",
    "batches",
    "build_examples",
    "paraphrase_split",
]
