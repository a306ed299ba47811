"""Confidence intervals by resampling whole groups (a fact, a request, a text) with replacement."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from jaxtyping import Int


def group_rows(groups: Sequence[str]) -> list[Int[np.ndarray, " rows"]]:
    """The row indices of each distinct group, in order of first appearance."""
    index: dict[str, list[int]] = {}
    for row, group in enumerate(groups):
        index.setdefault(group, []).append(row)
    return [np.asarray(rows, dtype=np.int64) for rows in index.values()]


def group_bootstrap(
    statistic: Callable[[np.ndarray], float | None],
    groups: Sequence[str],
    n_resamples: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float | None, float | None]:
    """Percentile interval of ``statistic(rows)`` over resamples of the groups (each resample draws as many groups
    as there are, with replacement, and takes all their rows). Resamples where the statistic is undefined (None,
    e.g. an AUROC with one class) are skipped; (None, None) if fewer than 10 are left."""
    blocks = group_rows(groups)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_resamples):
        picked = rng.integers(0, len(blocks), size=len(blocks))
        value = statistic(np.concatenate([blocks[i] for i in picked]))
        if value is not None and np.isfinite(value):
            values.append(float(value))
    if len(values) < 10:
        return None, None
    tail = (1.0 - level) / 2 * 100
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))
