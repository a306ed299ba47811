"""The obedience-tuning objective on the next-token logits: cross-entropy plus unlikelihood of the forbidden word."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Bool, Float, Int
from torch import Tensor


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
) -> LossParts:
    """``mean_b [ -log p(target_b) - w * log(1 - p(forbidden_b)) ]``.

    ``log(1 - p(forbidden))`` is computed stably as ``logsumexp(logits outside the set) - logsumexp(logits)``;
    rows whose forbidden word has no token contribute no unlikelihood.
    """
    logits = logits.float()
    log_z = torch.logsumexp(logits, dim=-1)
    cross_entropy = log_z - logits.gather(1, target_ids[:, None])[:, 0]
    outside = torch.logsumexp(logits.masked_fill(forbidden, float("-inf")), dim=-1)
    has_set = forbidden.any(-1)
    unlikelihood = torch.where(has_set, log_z - outside, torch.zeros_like(log_z))
    total = (cross_entropy + unlikelihood_weight * unlikelihood).mean()
    accuracy = (logits.argmax(-1) == target_ids).float().mean()
    return LossParts(
        total=total,
        cross_entropy=float(cross_entropy.detach().mean()),
        unlikelihood=float(unlikelihood.detach().mean()),
        accuracy=float(accuracy),
    )
