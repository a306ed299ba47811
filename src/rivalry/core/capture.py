"""One forward pass that records, at the read position of each row, every activation the decomposition needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Float, Int
from torch import Tensor

from rivalry.core.hooks import Hook, attached, first_tensor_arg, main_output
from rivalry.core.positions import position_ids_from_mask
from rivalry.models.anatomy import Anatomy, rms_gain


@dataclass(frozen=True)
class Activations:
    """Activations at the read position of each row (all float32, on the model's first device).

    Attributes:
        embed: token embedding (scale included, e.g. Gemma's sqrt(d_model)).
        pos_embed: learned position embedding (GPT-2), else None.
        head_inputs: input of each layer's attention output projection, split per head.
        post_attention_scale: for families with a norm after attention (Gemma-2), that norm's
            ``rsqrt(mean(o^2) + eps)`` of the full attention output ``o`` in this run; else None.
        mlp_outputs: what each MLP adds to the residual stream (after its post-norm where there is one).
        residual: the residual stream entering the final norm.
    """

    embed: Float[Tensor, "batch d_model"]
    pos_embed: Float[Tensor, "batch d_model"] | None
    head_inputs: Float[Tensor, "layer batch head d_head"]
    post_attention_scale: Float[Tensor, "layer batch"] | None
    mlp_outputs: Float[Tensor, "layer batch d_model"]
    residual: Float[Tensor, "batch d_model"]

    def select(self, rows: Int[Tensor, " n"]) -> Activations:
        """The same activations for a subset (or reordering) of the batch rows."""

        def pick(x: Tensor, dim: int) -> Tensor:
            return x.index_select(dim, rows.to(x.device))

        def pick_optional(x: Tensor | None, dim: int) -> Tensor | None:
            return None if x is None else pick(x, dim)

        return Activations(
            embed=pick(self.embed, 0),
            pos_embed=pick_optional(self.pos_embed, 0),
            head_inputs=pick(self.head_inputs, 1),
            post_attention_scale=pick_optional(self.post_attention_scale, 1),
            mlp_outputs=pick(self.mlp_outputs, 1),
            residual=pick(self.residual, 0),
        )


def _take(x: Tensor, positions: Int[Tensor, " batch"]) -> Tensor:
    """Row ``b`` at column ``positions[b]``; broadcasts a leading batch dimension of 1 (position embeddings)."""
    x = x.expand(positions.shape[0], *x.shape[1:])
    rows = torch.arange(positions.shape[0], device=x.device)
    return x[rows, positions.to(x.device)].detach().float()


def capture(
    anatomy: Anatomy,
    input_ids: Int[Tensor, "batch seq"],
    attention_mask: Int[Tensor, "batch seq"],
    positions: Int[Tensor, " batch"],
    extra_hooks: Sequence[Hook] = (),
) -> Activations:
    """Run the model's body (no unembedding) and record the activations at ``positions``.

    ``extra_hooks`` (e.g. patches) are attached first, so the recorded values are those of the modified run.
    """
    store: dict[str, Tensor] = {}
    home = anatomy.device

    def keep(name: str, value: Tensor) -> None:
        store[name] = _take(value, positions).to(home)

    hooks = [Hook(anatomy.token_embedding, lambda m, a, k, out: keep("embed", out))]
    if anatomy.position_embedding is not None:
        hooks.append(Hook(anatomy.position_embedding, lambda m, a, k, out: keep("pos_embed", out)))
    for layer in range(anatomy.n_layers):
        hooks.append(
            Hook(
                anatomy.attention_outputs[layer],
                lambda m, a, k, layer=layer: keep(f"z{layer}", first_tensor_arg(a, k, "input")),
                "pre",
            )
        )
        hooks.append(
            Hook(
                anatomy.mlp_contribution_modules[layer],
                lambda m, a, k, out, layer=layer: keep(f"mlp{layer}", main_output(out)),
            )
        )
        if anatomy.post_attention_norms is not None:
            hooks.append(
                Hook(
                    anatomy.post_attention_norms[layer],
                    lambda m, a, k, layer=layer: keep(f"o{layer}", first_tensor_arg(a, k)),
                    "pre",
                )
            )
    hooks.append(Hook(anatomy.final_norm, lambda m, a, k: keep("residual", first_tensor_arg(a, k)), "pre"))

    body = anatomy.model.base_model
    with torch.no_grad(), attached([*extra_hooks, *hooks]):
        body(
            input_ids=input_ids.to(home),
            attention_mask=attention_mask.to(home),
            position_ids=position_ids_from_mask(attention_mask).to(home),
            use_cache=False,
        )

    n_layers, batch = anatomy.n_layers, input_ids.shape[0]
    head_inputs = torch.stack([store[f"z{layer}"] for layer in range(n_layers)])
    scale = None
    if anatomy.post_attention_norms is not None:
        eps = [rms_gain(norm, anatomy.spec.norm_weight_offset).eps for norm in anatomy.post_attention_norms]
        outputs = torch.stack([store[f"o{layer}"] for layer in range(n_layers)])
        scale = torch.rsqrt(outputs.pow(2).mean(-1) + torch.tensor(eps, device=home)[:, None])
    return Activations(
        embed=store["embed"],
        pos_embed=store.get("pos_embed"),
        head_inputs=head_inputs.reshape(n_layers, batch, anatomy.n_heads, anatomy.d_head),
        post_attention_scale=scale,
        mlp_outputs=torch.stack([store[f"mlp{layer}"] for layer in range(n_layers)]),
        residual=store["residual"],
    )
