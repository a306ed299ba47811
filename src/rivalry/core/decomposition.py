"""Exact decomposition of the residual stream at one position into the outputs of every site.

For a pre-norm transformer the stream entering the final norm at position ``p`` is

    resid = embed (+ pos_embed) + sum_l [ sum_h z_{l,h} W_O[l,:,h,:]^T + b_O[l] ] + sum_l mlp_l

where ``z_{l,h}`` is head ``h``'s output (its slice of the output projection's input). Parallel blocks
(GPT-NeoX) give the same sum. Where a norm follows the attention output (Gemma-2),
``norm(o) = g * o * s(o)`` with the scalar ``s(o) = rsqrt(mean(o^2) + eps)`` of the full output ``o``
of this run, so head ``h`` is credited ``g * s(o) * z_h W_O_h^T``: linear in the head, and the heads and bias
still sum exactly to the norm's output. (``s`` is frozen at this run's value: patching one head changes
``s`` in a real intervention, which total-effect patching accounts for and this decomposition does not.)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from jaxtyping import Float, Int
from torch import Tensor

from rivalry.core.capture import Activations, capture
from rivalry.core.positions import full_mask, resolve_positions
from rivalry.core.sites import Site, site_order
from rivalry.errors import RivalryError
from rivalry.models.anatomy import Anatomy, output_weight, rms_gain


@dataclass(frozen=True)
class Decomposition:
    """The residual stream at one position of each row, split into sites.

    Attributes:
        sites: the sites, in the order of ``contributions``' first axis.
        contributions: each site's output at the read position, float32.
        residual: the stream entering the final norm at the read position (what the sites sum to).
        positions: column read in each row of the (possibly padded) batch.
        activations: the raw activations the contributions were built from (used to patch).
    """

    sites: tuple[Site, ...]
    contributions: Float[Tensor, "site batch d_model"]
    residual: Float[Tensor, "batch d_model"]
    positions: Int[Tensor, " batch"]
    activations: Activations

    @property
    def batch_size(self) -> int:
        return int(self.residual.shape[0])

    def index(self, site: Site) -> int:
        """Position of ``site`` along ``contributions``' first axis."""
        try:
            return self.sites.index(site)
        except ValueError:
            raise RivalryError(f"site {site.label} is not a site of this model") from None

    def select(self, rows: Int[Tensor, " n"] | list[int]) -> Decomposition:
        """The decomposition of a subset (or reordering) of the batch rows."""
        rows = torch.as_tensor(rows, dtype=torch.long)
        return Decomposition(
            sites=self.sites,
            contributions=self.contributions.index_select(1, rows.to(self.contributions.device)),
            residual=self.residual.index_select(0, rows.to(self.residual.device)),
            positions=self.positions.index_select(0, rows.to(self.positions.device)),
            activations=self.activations.select(rows),
        )

    def reconstruction_error(self) -> float:
        """Largest relative error ``|sum(contributions) - residual| / |residual|`` over the batch."""
        total = self.contributions.sum(0)
        return float(((total - self.residual).norm(dim=-1) / self.residual.norm(dim=-1)).max())


def head_outputs(
    anatomy: Anatomy, head_inputs: Float[Tensor, "layer batch head d_head"]
) -> Float[Tensor, "layer head batch d_model"]:
    """What each head writes into the stream: ``W_O[:, head block] @ z[head]``, layer by layer.

    One batched product per layer on a strided view of the output projection (``[head, d_head, d_model]``), so no
    copy of the weights is made (stacking and permuting them cost more than the products at real sizes).
    """
    n_layers, batch, n_heads, d_head = head_inputs.shape
    out = torch.empty(n_layers, n_heads, batch, anatomy.d_model, device=head_inputs.device, dtype=head_inputs.dtype)
    for layer, projection in enumerate(anatomy.attention_outputs):
        weight = output_weight(projection).detach().to(device=head_inputs.device, dtype=head_inputs.dtype)
        per_head = weight.view(anatomy.d_model, n_heads, d_head).permute(1, 2, 0)  # a view: [head, d_head, d_model]
        torch.bmm(head_inputs[layer].transpose(0, 1), per_head, out=out[layer])
    return out


def contributions_from(
    anatomy: Anatomy, acts: Activations
) -> tuple[tuple[Site, ...], Float[Tensor, "site batch d_model"]]:
    """Build every site's output from captured activations (pure algebra, no forward pass)."""
    n_layers, batch = anatomy.n_layers, acts.embed.shape[0]
    device = acts.head_inputs.device
    per_layer = [head_outputs(anatomy, acts.head_inputs)]  # [layer, head, batch, d_model]
    biases = anatomy.attention_output_biases
    if biases is not None:
        per_layer.append(biases.to(device)[:, None, None, :].expand(n_layers, 1, batch, anatomy.d_model))
    if acts.post_attention_scale is not None and anatomy.post_attention_norms is not None:
        gains = torch.stack(
            [rms_gain(n, anatomy.spec.norm_weight_offset).gain for n in anatomy.post_attention_norms]
        ).to(device)
        factor = acts.post_attention_scale[:, None, :, None] * gains[:, None, None, :]
        per_layer = [part * factor for part in per_layer]
    per_layer.append(acts.mlp_outputs[:, None])
    layer_sites = torch.cat(per_layer, dim=1).reshape(-1, batch, anatomy.d_model)
    leading = [acts.embed[None]] + ([acts.pos_embed[None]] if acts.pos_embed is not None else [])
    contributions = torch.cat([*leading, layer_sites])
    sites = site_order(
        n_layers,
        anatomy.n_heads,
        position_embedding=acts.pos_embed is not None,
        attention_bias=biases is not None,
    )
    return sites, contributions


def decompose(
    model: object,
    input_ids: Int[Tensor, "batch seq"],
    attention_mask: Int[Tensor, "batch seq"] | None = None,
    position: int = -1,
) -> Decomposition:
    """Split the residual stream at ``position`` of every row into the outputs of all sites.

    Args:
        model: a transformers causal LM (what ``AutoModelForCausalLM`` returns) or a rivalry ``Model``.
        input_ids: token ids; rows may be left- or right-padded.
        attention_mask: 1 for real tokens; defaults to all ones.
        position: which real token to read, counted over real tokens (``-1``: the last one).

    Returns:
        A :class:`Decomposition` whose ``contributions.sum(0)`` equals ``residual`` to float tolerance.

    Example:
        >>> dec = rivalry.decompose(model, batch.input_ids, batch.attention_mask)  # doctest: +SKIP
        >>> dec.reconstruction_error() < 1e-4  # doctest: +SKIP
    """
    anatomy = Anatomy.of(model)
    if input_ids.ndim != 2:
        raise RivalryError(f"input_ids must be [batch, seq], got shape {tuple(input_ids.shape)}")
    mask = full_mask(input_ids) if attention_mask is None else attention_mask
    positions = resolve_positions(mask, position)
    acts = capture(anatomy, input_ids, mask, positions)
    if not bool(torch.isfinite(acts.residual).all()):
        raise RivalryError("the model produced NaN or infinite activations for this input")
    sites, contributions = contributions_from(anatomy, acts)
    return Decomposition(
        sites=sites,
        contributions=contributions,
        residual=acts.residual,
        positions=positions,
        activations=acts,
    )
