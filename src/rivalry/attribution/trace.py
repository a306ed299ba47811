"""One forward pass that keeps every site's output at every position (optionally with its autograd graph).

The nodes of attribution patching are the sites of :mod:`rivalry.core.sites` at every column: the token (and
position) embedding, each head's output (its slice of the attention output projection's input) and each MLP's
contribution. A traced pass also keeps, per layer, the attention input norm's input, the rotary ``(cos, sin)``,
the attention output (for Gemma-2's post-attention norm) and, with eager attention, the attention probabilities
as graph nodes (the QK fix differentiates the metric with respect to them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import torch
from jaxtyping import Float, Int
from torch import Tensor

from rivalry.attribution.attention_access import AttentionAccess
from rivalry.circuits.circuit import eager_attention
from rivalry.core.hooks import Hook, attached, first_tensor_arg, main_output
from rivalry.core.positions import position_ids_from_mask
from rivalry.errors import RivalryError
from rivalry.models.anatomy import Anatomy


@dataclass
class Nodes:
    """Every node of one batch at every column (graph-attached when traced with gradients).

    Attributes:
        embed, pos_embed: ``[batch, seq, d_model]`` (``pos_embed`` None without learned positions).
        z: per layer ``[batch, seq, heads * d_head]``: the heads' outputs.
        mlp: per layer ``[batch, seq, d_model]``: what each MLP adds to the stream.
        attn_out: per layer ``[batch, seq, d_model]``: the attention output projection's output.
        norm_in: per layer ``[batch, seq, d_model]``: the input of the norm in front of attention.
        rotary: per layer ``(cos, sin)`` ``[batch, seq, rot]``, or None (learned positions).
        probs: per layer ``[batch, heads, seq, seq]`` attention probabilities (eager attention only), or None.
        resid_final: ``[batch, seq, d_model]``: the stream entering the final norm.
    """

    embed: Tensor
    pos_embed: Tensor | None
    z: list[Tensor]
    mlp: list[Tensor]
    attn_out: list[Tensor]
    norm_in: list[Tensor]
    rotary: list[tuple[Tensor, Tensor]] | None
    probs: list[Tensor] | None
    resid_final: Tensor


class _Gate(torch.autograd.Function):
    """Identity forward; backward multiplies the gradient by ``state[layer]`` (GradDrop drops a layer's writes)."""

    @staticmethod
    def forward(ctx, x, state, layer):  # type: ignore[override]
        ctx.state, ctx.layer = state, layer
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):  # type: ignore[override]
        return grad * ctx.state.get(ctx.layer, 1.0), None, None


def _gated(output: object, state: dict[int, float], layer: int) -> object:
    value = _Gate.apply(main_output(output), state, layer)
    return (value, *output[1:]) if isinstance(output, tuple) else value


@contextmanager
def _maybe_eager(lm: object, eager: bool) -> Iterator[None]:
    with eager_attention(lm) if eager else nullcontext():
        yield


def trace(
    access: AttentionAccess,
    input_ids: Int[Tensor, "batch seq"],
    attention_mask: Int[Tensor, "batch seq"],
    *,
    grad: bool = False,
    probs: bool = False,
    gate: dict[int, float] | None = None,
    extra_hooks: Sequence[Hook] = (),
) -> Nodes:
    """Run the model's body once and keep every node at every column.

    With ``grad`` the embeddings become leaves that require grad (so the graph starts there and no weight
    gradient is ever needed) and the kept tensors are the graph's own. ``probs`` switches to eager attention for
    the pass and keeps the attention probabilities. ``gate`` (GradDrop) wraps each layer's attention and MLP
    writes in an identity whose backward multiplies by ``gate[layer]`` (default 1).
    """
    anatomy: Anatomy = access.anatomy
    store: dict[str, Tensor] = {}
    rot: dict[int, tuple[Tensor, Tensor]] = {}

    def leaf(name: str):
        def hook(module, args, kwargs, out):
            value = out.detach().requires_grad_(True) if grad else out
            store[name] = value
            return value if grad else None

        return hook

    def keep(name: str, value: Tensor) -> None:
        store[name] = value

    def rotary(layer: int, kwargs: dict) -> None:
        pair = kwargs.get("position_embeddings")
        if pair is not None:
            rot[layer] = (pair[0].detach().float(), pair[1].detach().float())

    def keep_probs(layer: int, output: object) -> None:
        weights = output[1] if isinstance(output, tuple) and len(output) > 1 else None
        if weights is None:
            raise RivalryError("the attention module returned no weights (eager attention is required)")
        store[f"probs{layer}"] = weights

    hooks = [*extra_hooks, Hook(anatomy.token_embedding, leaf("embed"))]
    if anatomy.position_embedding is not None:
        hooks.append(Hook(anatomy.position_embedding, leaf("pos_embed")))
    for layer in range(anatomy.n_layers):
        output, mlp = anatomy.attention_outputs[layer], anatomy.mlp_contribution_modules[layer]
        norm = access.input_norm[layer]
        hooks += [
            Hook(output, lambda m, a, k, layer=layer: keep(f"z{layer}", first_tensor_arg(a, k, "input")), "pre"),
            Hook(output, lambda m, a, k, o, layer=layer: keep(f"o{layer}", main_output(o))),
            Hook(mlp, lambda m, a, k, o, layer=layer: keep(f"mlp{layer}", main_output(o))),
            Hook(norm, lambda m, a, k, layer=layer: keep(f"x{layer}", first_tensor_arg(a, k)), "pre"),
            Hook(access.attention[layer], lambda m, a, k, layer=layer: rotary(layer, k), "pre"),
        ]  # fmt: skip
        if probs:
            hooks.append(Hook(access.attention[layer], lambda m, a, k, o, layer=layer: keep_probs(layer, o)))
        if gate is not None:
            hooks.append(Hook(anatomy.attention_outputs[layer], lambda m, a, k, o, layer=layer: _gated(o, gate, layer)))
            hooks.append(
                Hook(anatomy.mlp_contribution_modules[layer], lambda m, a, k, o, layer=layer: _gated(o, gate, layer))
            )
    hooks.append(Hook(anatomy.final_norm, lambda m, a, k: keep("resid", first_tensor_arg(a, k)), "pre"))
    home = anatomy.device
    grad_mode = torch.enable_grad() if grad else torch.no_grad()
    with grad_mode, _maybe_eager(anatomy.model, probs), attached(hooks):
        anatomy.model.base_model(
            input_ids=input_ids.to(home),
            attention_mask=attention_mask.to(home),
            position_ids=position_ids_from_mask(attention_mask).to(home),
            use_cache=False,
        )
    n = anatomy.n_layers
    return Nodes(
        embed=store["embed"],
        pos_embed=store.get("pos_embed"),
        z=[store[f"z{i}"] for i in range(n)],
        mlp=[store[f"mlp{i}"] for i in range(n)],
        attn_out=[store[f"o{i}"] for i in range(n)],
        norm_in=[store[f"x{i}"] for i in range(n)],
        rotary=[rot[i] for i in range(n)] if len(rot) == n else None,
        probs=[store[f"probs{i}"] for i in range(n)] if probs else None,
        resid_final=store["resid"],
    )


def readout_with_grad(anatomy: Anatomy, residual: Float[Tensor, "n d_model"]) -> Float[Tensor, "n vocab"]:
    """Logits of residual vectors through the model's final norm and unembedding, differentiably (soft-cap too)."""
    return anatomy.cap_logits(anatomy.unembed(anatomy.final_norm(residual)).float())
