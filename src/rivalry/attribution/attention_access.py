"""Per-family access to each layer's query/key maps, input norm, rotary and score scaling (every family).

:class:`rivalry.circuits.circuit.HeadCircuits` needs separate q/k/v projections; attribution also covers the fused
ones (GPT-2's ``c_attn``, GPT-NeoX's ``query_key_value``). Projections are called as modules (bias included) and
sliced per head, so no weight layout is guessed. Rotary ``(cos, sin)`` is what the model passes its attention
module (the ``position_embeddings`` keyword); partial rotary (GPT-NeoX) rotates the first ``cos.shape[-1]`` dims.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

import torch
from jaxtyping import Float
from torch import Tensor, nn

from rivalry.circuits.circuit import AttentionScores
from rivalry.errors import RivalryError
from rivalry.models.anatomy import Anatomy, rms_gain

# attention module and its input norm, per block, for the families whose table entry has none
_FUSED = {
    "gpt2": ("attn", "ln_1", "attn.c_attn"),
    "gpt_neox": ("attention", "input_layernorm", "attention.query_key_value"),
}


@dataclass(frozen=True)
class NormParams:
    """A pre-attention norm: ``y = gain * centre(x) * rsqrt(mean(centre(x)^2) + eps) + bias`` (RMS: no centring)."""

    kind: Literal["rms", "layer"]
    gain: Float[Tensor, " d_model"]
    bias: Float[Tensor, " d_model"] | None
    eps: float

    def centre(self, x: Tensor) -> Tensor:
        return x - x.mean(-1, keepdim=True) if self.kind == "layer" else x

    def scale(self, x: Tensor) -> Tensor:
        """``rsqrt(mean(centre(x)^2) + eps)`` over the last axis."""
        return torch.rsqrt(self.centre(x).pow(2).mean(-1) + self.eps)


def rotate(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Rotary embedding of the first ``cos.shape[-1]`` dims of ``x``: ``x cos + rotate_half(x) sin``; rest as is."""
    rot = cos.shape[-1]
    head, tail = x[..., :rot], x[..., rot:]
    half = rot // 2
    turned = torch.cat((-head[..., half:], head[..., :half]), dim=-1)
    turned = head * cos + turned * sin
    return torch.cat((turned, tail.expand(*turned.shape[:-1], tail.shape[-1])), dim=-1)


def rotate_back(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """The transpose (inverse) of :func:`rotate`: ``rotate(a) . b == a . rotate_back(b)``."""
    return rotate(x, cos, -sin)


class AttentionAccess(AttentionScores):
    """Query/key maps of every layer of any supported family."""

    def __init__(self, anatomy: Anatomy):
        spec = anatomy.spec
        self.anatomy = anatomy
        self.family = spec.family
        if spec.family in _FUSED:
            attention, norm, fused = _FUSED[spec.family]
            self.fused: list[nn.Module] | None = [b.get_submodule(fused) for b in anatomy.blocks]
            self.query: list[nn.Module] | None = None
            self.key: list[nn.Module] | None = None
            self.value: list[nn.Module] | None = None
        elif spec.attention and spec.query and spec.key and spec.value and spec.input_norm:
            attention, norm = spec.attention, spec.input_norm
            self.fused = None
            self.query = [b.get_submodule(spec.query) for b in anatomy.blocks]
            self.key = [b.get_submodule(spec.key) for b in anatomy.blocks]
            self.value = [b.get_submodule(spec.value) for b in anatomy.blocks]
        else:
            raise RivalryError(f"query-key access is not supported for {spec.family}")
        self._maps: dict[tuple[int, str], tuple[Tensor, Tensor]] = {}  # linear maps, built on first use
        self.attention = [b.get_submodule(attention) for b in anatomy.blocks]
        self.input_norm = [b.get_submodule(norm) for b in anatomy.blocks]
        config = anatomy.model.config
        self.n_kv_heads = (
            anatomy.n_heads
            if self.fused is not None
            else int(getattr(config, "num_key_value_heads", None) or anatomy.n_heads)
        )
        if anatomy.n_heads % self.n_kv_heads:
            raise RivalryError(f"{anatomy.n_heads} heads do not split into {self.n_kv_heads} key/value groups")

    @classmethod
    def of(cls, model: object) -> AttentionAccess:
        return cls(Anatomy.of(model))

    @property
    def rotary(self) -> bool:
        """Whether attention receives rotary ``(cos, sin)`` (else positions are learned embeddings: GPT-2)."""
        return self.family != "gpt2"

    def sliding_window(self, layer: int) -> int | None:
        """The layer's attention window (a key ``j`` is seen from query ``i`` when ``i - j < window``), if any."""
        module = self.attention[layer]
        window = getattr(module, "sliding_window", None)
        return int(window) if window and getattr(module, "is_sliding", True) else None

    def norm_params(self, layer: int) -> NormParams:
        norm = self.input_norm[layer]
        if isinstance(norm, nn.LayerNorm):
            bias = None if norm.bias is None else norm.bias.detach().float()
            return NormParams("layer", norm.weight.detach().float(), bias, float(norm.eps))
        params = rms_gain(norm, self.anatomy.spec.norm_weight_offset)
        return NormParams("rms", params.gain, None, params.eps)

    def project(self, layer: int, x: Float[Tensor, "... d_model"], which: Literal["q", "k", "v"]) -> Tensor:
        """Affine query, key or value projection of normed inputs ``x`` (bias included), ``[..., heads, d_head]``."""
        d_head = self.anatomy.d_head
        if self.fused is None:
            module = cast(list[nn.Module], {"q": self.query, "k": self.key, "v": self.value}[which])[layer]
            weight = cast(Tensor, module.weight)
            return module(x.to(weight.dtype)).float().unflatten(-1, (-1, d_head))
        module = self.fused[layer]
        weight = cast(Tensor, module.weight)
        out = module(x.to(weight.dtype)).float()
        if self.family == "gpt2":
            parts = out.split(self.anatomy.d_model, dim=-1)
            return parts["qkv".index(which)].unflatten(-1, (-1, d_head))
        parts = out.unflatten(-1, (-1, 3 * d_head)).chunk(3, dim=-1)  # GPT-NeoX: [head, (q, k, v)] per head
        return parts["qkv".index(which)]

    def linear_map(self, layer: int, which: Literal["q", "k"]) -> tuple[Tensor, Tensor]:
        """The projection as ``(weight [d_model, heads, d_head], bias [heads, d_head])``: ``project(x) = x W + b``."""
        if (layer, which) not in self._maps:
            self._maps[(layer, which)] = self._linear_map(layer, which)
        return self._maps[(layer, which)]

    def _linear_map(self, layer: int, which: Literal["q", "k"]) -> tuple[Tensor, Tensor]:
        device = self.anatomy.device
        with torch.no_grad():
            eye = torch.eye(self.anatomy.d_model, device=device)
            zero = torch.zeros(1, self.anatomy.d_model, device=device)
            bias = self.project(layer, zero, which)[0]
            return self.project(layer, eye, which) - bias, bias
