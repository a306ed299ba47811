"""Aggregating per-fact results: the site ranking and the cumulative curve of the top-k effects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from jaxtyping import Float
from torch import Tensor

FRACTIONS = ("0.8", "0.9", "1.0")
T = TypeVar("T")


def ranked_order(means: Float[Tensor, " site"]) -> list[int]:
    """Site indices sorted by mean effect, most suppressive (most negative) first; ties by canonical order."""
    return sorted(range(len(means)), key=lambda i: (float(means[i]), i))


def in_direction(ranked: list[T], total: float) -> list[T]:
    """Ranked sites reordered by how much they push in the direction of the total effect (strongest first)."""
    return ranked if total < 0 else list(reversed(ranked))


def cumulative_curve(
    effects_in_direction: Sequence[float], total: float | None
) -> tuple[dict[str, list], dict[str, int | None]]:
    """Cumulative sum of the top-k effects (already ordered in the total effect's direction) and the smallest k
    whose sum reaches each fraction of ``total`` (None where none does, or the total is undefined or zero)."""
    sums, running = [], 0.0
    for effect in effects_in_direction:
        running += effect
        sums.append(running)
    k_for: dict[str, int | None] = {}
    for fraction in FRACTIONS:
        hits = [k for k, value in enumerate(sums, start=1) if total and value / total >= float(fraction) - 1e-9]
        k_for[fraction] = hits[0] if hits else None
    return {"k": list(range(1, len(sums) + 1)), "sum_effect": sums}, k_for
