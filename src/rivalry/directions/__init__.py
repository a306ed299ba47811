"""Residual-stream directions: find them (difference of means, probes), ablate them, add them, bake them into the
weights, and compare them with random directions of the same norm."""

from rivalry.directions.finding import (
    PointScores,
    Probe,
    auc,
    fit_probe,
    mean_difference,
    score_points,
    separation,
    unit,
)
from rivalry.directions.interventions import ablated, ablation_hooks, added, addition_hooks, project_out, stream_writers
from rivalry.directions.orthogonalize import orthogonalized, save_orthogonalized

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
