"""Metrics read off logits: an answer's log-odds (the Forbidden Facts definition) and logit differences.

A metric maps logits ``[n, vocab]`` and, for each of the ``n`` rows, the batch row it belongs to, to one
number per row; patching code calls it on many patched copies of each batch row at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import torch
from jaxtyping import Bool, Float, Int
from torch import Tensor

LN10 = math.log(10.0)


class Metric(Protocol):
    """Maps logits of ``n`` rows (each a copy of batch row ``rows[i]``) to one number per row; never modifies them."""

    def __call__(self, logits: Float[Tensor, "n vocab"], rows: Int[Tensor, " n"]) -> Float[Tensor, " n"]: ...


def _logsumexp_excluding(x: Float[Tensor, "n vocab"], excluded: Int[Tensor, "n width"]) -> Float[Tensor, " n"]:
    """``logsumexp`` over each row of ``x`` leaving out the columns ``excluded`` (``x`` is not modified).

    One temporary of ``x``'s size, updated in place: several times faster than ``torch.logsumexp`` on CPU.
    """
    top = x.amax(-1, keepdim=True)
    top = torch.where(torch.isfinite(top), top, torch.zeros_like(top))
    shifted = (x - top).scatter_(1, excluded, float("-inf"))
    return shifted.exp_().sum(-1).log() + top[:, 0]


def log_odds_log10(logits: Float[Tensor, "n vocab"], answer_mask: Bool[Tensor, "n vocab"]) -> Float[Tensor, " n"]:
    """``log10(p / (1 - p))`` with ``p`` the softmax mass on the answer tokens (``logits`` is left intact).

    Computed as ``(logsumexp(answer logits) - logsumexp(other logits)) / ln 10``, which is exact and stable
    even when ``p`` is within float epsilon of 0 or 1.
    """
    logits = logits.float()
    neg_inf = torch.tensor(float("-inf"), device=logits.device)
    inside = torch.where(answer_mask, logits, neg_inf).logsumexp(-1)
    outside = torch.where(answer_mask, neg_inf, logits).logsumexp(-1)
    return (inside - outside) / LN10


def answer_probability(logits: Float[Tensor, "n vocab"], answer_mask: Bool[Tensor, "n vocab"]) -> Float[Tensor, " n"]:
    """Softmax mass on the answer tokens."""
    return torch.where(answer_mask, logits.float().softmax(-1), 0.0).sum(-1)


@dataclass(frozen=True)
class AnswerLogOdds:
    """Log10-odds of each batch row's answer, the answer being a set of token ids per row.

    ``answer_ids[b]`` lists row ``b``'s answer tokens, padded to a common width by repeating its first id;
    ``valid[b]`` marks the real entries. Build it with :meth:`from_token_sets`.
    """

    answer_ids: Int[Tensor, "batch width"]
    valid: Bool[Tensor, "batch width"]

    @classmethod
    def from_token_sets(cls, token_sets: Sequence[Sequence[int]]) -> AnswerLogOdds:
        if any(len(ids) == 0 for ids in token_sets):
            raise ValueError("every row needs at least one answer token")
        width = max(len(ids) for ids in token_sets)
        ids = torch.tensor([list(t) + [t[0]] * (width - len(t)) for t in token_sets], dtype=torch.long)
        valid = torch.tensor([[True] * len(t) + [False] * (width - len(t)) for t in token_sets])
        return cls(ids, valid)

    def __call__(self, logits: Float[Tensor, "n vocab"], rows: Int[Tensor, " n"]) -> Float[Tensor, " n"]:
        rows = rows.to(logits.device)
        ids = self.answer_ids.to(logits.device)[rows]
        valid = self.valid.to(logits.device)[rows]
        logits = logits.float()
        inside = logits.gather(1, ids).masked_fill(~valid, float("-inf")).logsumexp(-1)
        outside = _logsumexp_excluding(logits, ids)
        return (inside - outside) / LN10

    def consume(self, logits: Float[Tensor, "n vocab"], rows: Int[Tensor, " n"]) -> Float[Tensor, " n"]:
        """The same values as calling the metric, computed in place: ``logits`` (float32, a temporary the caller
        owns) is overwritten. One pass less over the largest tensor of a readout, and no second one allocated."""
        if logits.dtype != torch.float32:
            return self(logits, rows)
        rows = rows.to(logits.device)
        ids = self.answer_ids.to(logits.device)[rows]
        valid = self.valid.to(logits.device)[rows]
        inside = logits.gather(1, ids).masked_fill(~valid, float("-inf")).logsumexp(-1)
        top = logits.amax(-1, keepdim=True)
        top = torch.where(torch.isfinite(top), top, torch.zeros_like(top))
        weights = logits.sub_(top).exp_().scatter_(1, ids, 0.0)
        return (inside - (weights.sum(-1).log() + top[:, 0])) / LN10


@dataclass(frozen=True)
class LogitDifference:
    """``logit[good[b]] - logit[bad[b]]`` for each batch row ``b``."""

    good: Int[Tensor, " batch"]
    bad: Int[Tensor, " batch"]

    def __call__(self, logits: Float[Tensor, "n vocab"], rows: Int[Tensor, " n"]) -> Float[Tensor, " n"]:
        rows = rows.to(logits.device)
        picked = torch.arange(logits.shape[0], device=logits.device)
        good = self.good.to(logits.device)[rows]
        bad = self.bad.to(logits.device)[rows]
        return (logits[picked, good] - logits[picked, bad]).float()


def answer_stats(
    logits: Float[Tensor, "batch vocab"], token_sets: Sequence[Sequence[int]]
) -> tuple[Float[Tensor, " batch"], Float[Tensor, " batch"]]:
    """``p(answer)`` and its log10 odds for each row, the answer of row ``b`` being the tokens ``token_sets[b]``."""
    probs = logits.float().softmax(-1)
    p = torch.stack([probs[row, list(ids)].sum() for row, ids in enumerate(token_sets)])
    lo = AnswerLogOdds.from_token_sets(token_sets)(logits, torch.arange(len(token_sets), device=logits.device))
    return p, lo
