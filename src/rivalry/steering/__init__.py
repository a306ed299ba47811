"""Residual-stream directions, the machinery under ``rivalry.directions(...)``: find them (difference of means,
probes), ablate them, add them, bake them into the weights, and compare them with random directions of the same
norm. (Named ``steering`` so that the package never shadows the ``rivalry.directions`` function.)"""

from rivalry.steering.finding import (
    PointScores,
    Probe,
    auc,
    fit_probe,
    mean_difference,
    score_points,
    separation,
    unit,
)
from rivalry.steering.interventions import ablated, ablation_hooks, added, addition_hooks, project_out, stream_writers
from rivalry.steering.orthogonalize import orthogonalized, save_orthogonalized

__all__ = [
    "PointScores",
    "Probe",
    "ablated",
    "ablation_hooks",
    "added",
    "addition_hooks",
    "auc",
    "fit_probe",
    "mean_difference",
    "orthogonalized",
    "project_out",
    "save_orthogonalized",
    "score_points",
    "separation",
    "stream_writers",
    "unit",
]
