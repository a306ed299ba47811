"""Faithfulness of a forbidden-facts description: its circuit's own prediction and its prediction of attacks.

``run(model, FaithfulnessConfig(source_run=FF_RUN, attack_run=ATTACK_RUN)) -> FaithfulnessResult``.
"""

from .config import FaithfulnessConfig
from .inputs import load_inputs
from .result import AttackPrediction, CircuitRow, FaithfulnessResult, auroc
from .run import run

__all__ = ["AttackPrediction", "CircuitRow", "FaithfulnessConfig", "FaithfulnessResult", "auroc", "load_inputs", "run"]
