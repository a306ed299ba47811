"""The obedience-tuning objective on the next-token logits: cross-entropy plus a penalty on the forbidden word.

Two penalties on ``p``, the probability of the forbidden word's tokens:

* ``log1m``: unlikelihood, ``-log(1 - p)``. Its gradient fades as ``p`` falls (about ``p`` itself), so it stops
  pushing once the word is merely unlikely.
* ``hinge``: ``max(0, log p - log floor)``, in nats. Its gradient stays whole until ``p`` is below ``floor``
  (e.g. ``1e-4``) and is zero after, so it pushes the word down by orders of magnitude, then lets go.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch
from jaxtyping import Bool, Float, Int
from torch import Tensor

Penalty = Literal["log1m", "hinge"]


@dataclass(frozen=True)
class LossParts:
    """The loss of one batch and its parts (scalars; ``total`` keeps its graph)."""

    total: Float[Tensor, ""]
    cross_entropy: float
    unlikelihood: float
    accuracy: float


def avoid_mask(avoid_ids: Sequence[Sequence[int]], vocab_size: int) -> Bool[Tensor, "batch vocab"]:
    """Row ``b`` is True at the tokens of example ``b``'s forbidden word."""
    mask = torch.zeros(len(avoid_ids), vocab_size, dtype=torch.bool)
    for row, ids in enumerate(avoid_ids):
        if ids:
            mask[row, list(ids)] = True
    return mask


def obedience_loss(
    logits: Float[Tensor, "batch vocab"],
    target_ids: Int[Tensor, " batch"],
    forbidden: Bool[Tensor, "batch vocab"],
    unlikelihood_weight: float,
    penalty: Penalty = "log1m",
    floor_log10: float = -4.0,
) -> LossParts:
    """``mean_b [ -log p(target_b) + w * penalty(p(forbidden_b)) ]`` (see the module docstring for the penalties).

    ``-log(1 - p(forbidden))`` is computed stably as ``logsumexp(logits) - logsumexp(logits outside the set)``, and
    ``log p(forbidden)`` as ``logsumexp(logits in the set) - logsumexp(logits)``; rows whose forbidden word has no
    token contribute no penalty. ``floor_log10`` is the hinge's floor (log10 of a probability).
    """
    logits = logits.float()
    log_z = torch.logsumexp(logits, dim=-1)
    cross_entropy = log_z - logits.gather(1, target_ids[:, None])[:, 0]
    has_set = forbidden.any(-1)
    if penalty == "hinge":
        inside = torch.logsumexp(logits.masked_fill(~forbidden, float("-inf")), dim=-1)
        excess = torch.clamp(inside - log_z - floor_log10 * math.log(10.0), min=0.0)
        unlikelihood = torch.where(has_set, excess, torch.zeros_like(log_z))
    else:
        outside = torch.logsumexp(logits.masked_fill(forbidden, float("-inf")), dim=-1)
        unlikelihood = torch.where(has_set, log_z - outside, torch.zeros_like(log_z))
    total = (cross_entropy + unlikelihood_weight * unlikelihood).mean()
    accuracy = (logits.argmax(-1) == target_ids).float().mean()
    return LossParts(
        total=total,
        cross_entropy=float(cross_entropy.detach().mean()),
        unlikelihood=float(unlikelihood.detach().mean()),
        accuracy=float(accuracy),
    )
