"""Which token of each row to read, and position ids that make left padding harmless."""

from __future__ import annotations

import torch
from jaxtyping import Int
from torch import Tensor

from rivalry.errors import RivalryError


def full_mask(input_ids: Int[Tensor, "batch seq"]) -> Int[Tensor, "batch seq"]:
    return torch.ones_like(input_ids)


def position_ids_from_mask(attention_mask: Int[Tensor, "batch seq"]) -> Int[Tensor, "batch seq"]:
    """Position ids counting real tokens only, so a left-padded row is numbered as if unpadded."""
    return (attention_mask.long().cumsum(-1) - 1).clamp(min=0)


def resolve_positions(attention_mask: Int[Tensor, "batch seq"], position: int) -> Int[Tensor, " batch"]:
    """Column index of the token to read in each row.

    ``position`` counts real (unmasked) tokens: ``0`` is each row's first real token and ``-1`` its last, so
    the same token is read whether the batch is left-padded, right-padded or not padded.
    """
    mask = attention_mask.long()
    lengths = mask.sum(-1)
    if bool((lengths == 0).any()):
        raise RivalryError("a row of the batch has no tokens (its attention mask is all zeros)")
    index = position if position >= 0 else lengths + position
    index = torch.as_tensor(index, device=mask.device).expand_as(lengths)
    if bool(((index < 0) | (index >= lengths)).any()):
        raise RivalryError(f"position {position} is outside a row of {int(lengths.min())} tokens")
    first_real = mask.argmax(-1)  # rows are contiguous runs of real tokens (left or right padding)
    return first_real + index
