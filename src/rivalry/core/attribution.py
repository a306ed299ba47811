"""Direct logit attribution that is exact for the run at hand.

The final norm is affine in its input once its scale is fixed: RMSNorm ``y = g * x * s`` and LayerNorm
``y = g * (x - mean(x)) * s + b`` with ``s = rsqrt(var + eps)`` of the *full* residual. Fixing ``s`` at this
run's value makes each site's share of a logit ``W_U[t] . (g * centre(c_i)) * s``; the shares plus the
constant (norm bias and unembedding bias) sum exactly to the logit before any soft-capping.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from jaxtyping import Float, Int
from torch import Tensor, nn

from rivalry.core.decomposition import Decomposition
from rivalry.core.sites import Site
from rivalry.models.anatomy import Anatomy, output_weight, rms_gain


@dataclass(frozen=True)
class LogitAttribution:
    """Each site's share of one token's logit per row; ``constant`` is what no site owns (biases)."""

    sites: tuple[Site, ...]
    tokens: Int[Tensor, " batch"]
    shares: Float[Tensor, "site batch"]
    constant: Float[Tensor, " batch"]

    @property
    def logits(self) -> Float[Tensor, " batch"]:
        """The pre-soft-cap logit the shares add up to."""
        return self.shares.sum(0) + self.constant


def logit_attribution(model: object, dec: Decomposition, tokens: Int[Tensor, " batch"]) -> LogitAttribution:
    """Split the logit of ``tokens[b]`` at each row's read position into per-site shares (exact, see module doc)."""
    anatomy = Anatomy.of(model)
    norm = anatomy.final_norm
    residual, parts = dec.residual, dec.contributions
    if isinstance(norm, nn.LayerNorm):
        centre = residual - residual.mean(-1, keepdim=True)
        scale = torch.rsqrt(centre.pow(2).mean(-1) + norm.eps)
        parts = parts - parts.mean(-1, keepdim=True)
        gain = norm.weight.detach().float()
        bias = norm.bias.detach().float() if norm.bias is not None else torch.zeros_like(gain)
    else:
        params = rms_gain(norm, anatomy.spec.norm_weight_offset)
        scale = torch.rsqrt(residual.pow(2).mean(-1) + params.eps)
        gain, bias = params.gain, torch.zeros_like(params.gain)
    unembed = output_weight(anatomy.unembed).detach().float()
    directions = unembed[tokens.to(unembed.device)].to(parts.device) * gain.to(parts.device)  # [batch, d]
    shares = torch.einsum("sbd,bd->sb", parts, directions) * scale[None]
    constant = unembed[tokens.to(unembed.device)].to(parts.device) @ bias.to(parts.device)
    lm_bias = getattr(anatomy.unembed, "bias", None)
    if lm_bias is not None:
        constant = constant + lm_bias.detach().float()[tokens.to(lm_bias.device)].to(parts.device)
    return LogitAttribution(sites=dec.sites, tokens=tokens, shares=shares, constant=constant)
