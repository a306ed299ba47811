"""The effective embedding: what a token looks like to later layers when nothing else is in context.

Following McDougall et al. (2023, *Copy Suppression*), token ``t``'s effective embedding is the residual
stream after the first block when ``t`` is fed alone, as a one-token sequence at position 0:
``W_E_eff[t] = e_t + attn_0(e_t) + mlp_0(e_t + attn_0(e_t))`` (attention can only look at the token itself).
The first MLP acts as an extended embedding in small models, so the raw embedding row misrepresents what
heads in later layers read. ``through_layers=0`` gives the raw embedding (scale included, as it enters layer 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from jaxtyping import Float, Int
from torch import Tensor

from rivalry.circuits.circuit import run_body
from rivalry.core.hooks import Hook, first_tensor_arg, main_output
from rivalry.models.anatomy import Anatomy


def effective_embedding(
    lm: object,
    token_ids: Int[Tensor, " n"] | Sequence[int],
    through_layers: int = 1,
    batch_size: int = 4096,
) -> Float[Tensor, "n d_model"]:
    """Residual stream after ``through_layers`` blocks for each token fed alone (float32, on the model's device)."""
    anatomy = Anatomy.of(lm)
    if not 0 <= through_layers <= anatomy.n_layers:
        raise ValueError(f"through_layers must be in [0, {anatomy.n_layers}]")
    ids = torch.as_tensor(token_ids, dtype=torch.long).reshape(-1)
    device = anatomy.device
    store: list[Tensor] = []
    if through_layers == 0:
        hook = Hook(anatomy.blocks[0], lambda m, a, k: store.append(first_tensor_arg(a, k)), "pre")
    else:
        hook = Hook(anatomy.blocks[through_layers - 1], lambda m, a, k, o: store.append(main_output(o)))
    out: list[Tensor] = []
    for start in range(0, ids.shape[0], batch_size):
        chunk = ids[start : start + batch_size, None].to(device)
        store.clear()
        run_body(
            anatomy,
            [hook],
            stop_after_layer=max(through_layers - 1, 0),
            input_ids=chunk,
            attention_mask=torch.ones_like(chunk),
            position_ids=torch.zeros_like(chunk),
            use_cache=False,
        )
        out.append(store[0][:, 0].float())
    return torch.cat(out) if out else torch.zeros(0, anatomy.d_model, device=device)
