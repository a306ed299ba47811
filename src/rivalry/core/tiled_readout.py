"""The answer's log-odds read off residual vectors with the unembedding in vocabulary tiles.

The plain readout materialises ``[rows, vocab]`` logits and then makes several passes over them (max,
subtract, exp, sum), each one a trip to main memory once the block is larger than the cache. Here the
unembedding is applied one tile of the vocabulary at a time (``[rows, tile]``, sized to stay in cache), and each
tile is exponentiated, cleared at the answer's tokens and summed while it is still there. No max pass is made:
``exp`` is taken unshifted, which is exact to float rounding while every logit is below float32's ``exp``
overflow (about 88) and the row's total is not vanishingly small; a row outside that range (a model with huge
logits) is recomputed by the plain readout, so the values are always those of the plain metric up to rounding.

Only float32 unembeddings on a CPU take this path (:func:`supports_tiling`): other dtypes use the plain readout,
whose rounding they define, and on an accelerator the plain readout's passes are cheap and one large product is
faster than many small ones.
"""

from __future__ import annotations

from typing import cast

import torch
from jaxtyping import Float, Int
from torch import Tensor

from rivalry.core.metrics import LN10, AnswerLogOdds
from rivalry.errors import RivalryError
from rivalry.models.anatomy import Anatomy, output_weight

# ``log(sum(exp(logits)))`` of a row must land in this range for the unshifted sum to be exact to rounding:
# above it the sum may have overflowed, below it terms lost to underflow could matter
SAFE_LOG_TOTAL = (-60.0, 80.0)
TILE_BYTES = 8 * 2**20  # one [rows, tile] float32 block: well inside a shared L3 cache


def supports_tiling(anatomy: Anatomy) -> bool:
    """Whether the model's unembedding is a float32 projection on a CPU (see the module docstring)."""
    try:
        weight = output_weight(anatomy.unembed)
    except RivalryError:  # an unusual head: the plain readout handles it
        return False
    return weight.dtype == torch.float32 and weight.device.type == "cpu"


def tile_width(rows: int, vocab: int, tile_bytes: int = TILE_BYTES) -> int:
    """Vocabulary columns per tile so that a ``[rows, tile]`` float32 block is about ``tile_bytes``."""
    return max(256, min(vocab, tile_bytes // (4 * max(rows, 1))))


@torch.no_grad()
def tiled_answer_log_odds(
    anatomy: Anatomy,
    residual: Float[Tensor, "n d_model"],
    rows: Int[Tensor, " n"],
    metric: AnswerLogOdds,
    tile_bytes: int = TILE_BYTES,
) -> Float[Tensor, " n"]:
    """``metric(anatomy.readout(residual), rows)``, computed tile by tile over the vocabulary (see the module)."""
    weight = output_weight(anatomy.unembed).detach()
    bias = getattr(anatomy.unembed, "bias", None)
    device = weight.device
    normed = anatomy.final_norm(residual.to(device=device, dtype=weight.dtype)).float()
    rows = rows.to(device)
    ids = metric.answer_ids.to(device)[rows]
    valid = metric.valid.to(device)[rows]
    n, vocab = normed.shape[0], weight.shape[0]
    inside = anatomy.cap_logits(_answer_logits(normed, weight, bias, ids))
    inside = inside.masked_fill(~valid, float("-inf")).logsumexp(-1)
    width = tile_width(n, vocab, tile_bytes)
    total = torch.zeros(n, dtype=torch.float64, device=device)
    buffer = torch.empty(n * width, device=device)
    row_of = torch.arange(n, device=device)[:, None].expand_as(ids)
    for start in range(0, vocab, width):
        stop = min(start + width, vocab)
        tile = buffer[: n * (stop - start)].view(n, stop - start)
        torch.mm(normed, weight[start:stop].T, out=tile)
        if bias is not None:
            tile.add_(cast(Tensor, bias)[start:stop])
        if anatomy.logit_softcap is not None:  # cap_logits, in place on the tile
            tile.div_(anatomy.logit_softcap).tanh_().mul_(anatomy.logit_softcap)
        tile.exp_()
        here = (ids >= start) & (ids < stop)
        if bool(here.any()):
            flat = row_of[here] * (stop - start) + (ids[here] - start)
            tile.view(-1).index_fill_(0, flat, 0.0)
        total += tile.sum(-1)
    log_total = total.log().float()
    values = (inside - log_total) / LN10
    unsafe = ~torch.isfinite(log_total) | (log_total < SAFE_LOG_TOTAL[0]) | (log_total > SAFE_LOG_TOTAL[1])
    if bool(unsafe.any()):
        redo = torch.nonzero(unsafe).flatten()
        values[redo] = metric(anatomy.readout(residual[redo.to(residual.device)]), rows[redo]).to(device)
    return values


def _answer_logits(
    normed: Float[Tensor, "n d_model"],
    weight: Float[Tensor, "vocab d_model"],
    bias: Tensor | None,
    ids: Int[Tensor, "n width"],
) -> Float[Tensor, "n width"]:
    """The uncapped logits of each row's answer tokens (the same products the tiles make, for a few columns)."""
    picked = torch.einsum("nd,nwd->nw", normed, weight[ids].float())
    if bias is not None:
        picked = picked + bias.float()[ids]
    return picked
