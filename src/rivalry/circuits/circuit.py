"""Per-head access to a llama-like model's attention: projections, input norm, rotary, grouped-query mapping.

Head circuits need the separate query, key and value projections of each block (the ``query``, ``key``,
``value``, ``input_norm`` and ``attention`` paths of the architecture table). Families with a fused qkv
projection (GPT-2, GPT-NeoX) are refused with one line rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from jaxtyping import Float
from torch import Tensor, nn

from rivalry.core.hooks import Hook, attached
from rivalry.core.sites import Site
from rivalry.errors import RivalryError
from rivalry.models.anatomy import Anatomy, unwrap_model


@contextmanager
def eager_attention(model: object) -> Iterator[None]:
    """Switch the model to eager attention (the only kind that returns weights); always switch back on exit."""
    hf_model = unwrap_model(model)
    previous = hf_model.config._attn_implementation
    if previous != "eager":
        hf_model.set_attn_implementation("eager")
    try:
        yield
    finally:
        if previous != "eager":
            hf_model.set_attn_implementation(previous)


def rotate(x: Float[Tensor, "... d_head"], cos: Tensor, sin: Tensor) -> Float[Tensor, "... d_head"]:
    """Rotary position embedding as the llama-like families apply it: ``x cos + rotate_half(x) sin``."""
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos + rotated * sin


def head_index(site: Site) -> int:
    """The head index of an attention-head site (any other kind of site is a programming error)."""
    if site.head is None:
        raise ValueError(f"{site.label} is not an attention head")
    return site.head


class AttentionScores:
    """What turns a query and a key into a score, per layer: the key/value head a query head reads, the scale on
    ``q . k`` and the soft-cap. Needs ``anatomy``, ``attention`` (the attention modules) and ``n_kv_heads``."""

    anatomy: Anatomy
    attention: list[nn.Module]
    n_kv_heads: int

    def kv_head(self, head: int) -> int:
        """The key/value head that query head ``head`` reads (grouped-query attention)."""
        return head // (self.anatomy.n_heads // self.n_kv_heads)

    def scaling(self, layer: int) -> float:
        """The factor on ``q . k`` before the softmax (``d_head ** -0.5``, Gemma-2's ``query_pre_attn_scalar``)."""
        return float(getattr(self.attention[layer], "scaling", self.anatomy.d_head**-0.5))

    def softcap(self, layer: int) -> float | None:
        """Gemma-2's attention logit soft-cap, if any: ``score = c tanh(score / c)``."""
        cap = getattr(self.attention[layer], "attn_logit_softcapping", None)
        return float(cap) if cap else None


class HeadCircuits(AttentionScores):
    """The modules of every block that a head's QK and OV circuits are made of.

    ``query[l]``, ``key[l]``, ``value[l]`` are the projections of block ``l``, ``input_norm[l]`` the norm in
    front of its attention and ``attention[l]`` the attention module (it receives the rotary ``(cos, sin)``
    as the ``position_embeddings`` keyword). Head ``h`` reads key/value head ``h // (n_heads / n_kv_heads)``.
    """

    def __init__(self, anatomy: Anatomy):
        spec = anatomy.spec
        attention, query, key, value, input_norm = spec.attention, spec.query, spec.key, spec.value, spec.input_norm
        if attention is None or query is None or key is None or value is None or input_norm is None:
            raise RivalryError(f"head circuits are not supported for {spec.family} yet")
        self.anatomy = anatomy
        self.attention = [b.get_submodule(attention) for b in anatomy.blocks]
        self.query = [b.get_submodule(query) for b in anatomy.blocks]
        self.key = [b.get_submodule(key) for b in anatomy.blocks]
        self.value = [b.get_submodule(value) for b in anatomy.blocks]
        self.input_norm = [b.get_submodule(input_norm) for b in anatomy.blocks]
        config = anatomy.model.config
        self.n_kv_heads = int(getattr(config, "num_key_value_heads", None) or anatomy.n_heads)
        if anatomy.n_heads % self.n_kv_heads:
            raise RivalryError(f"{anatomy.n_heads} heads do not split into {self.n_kv_heads} key/value groups")

    @classmethod
    def of(cls, model: object) -> HeadCircuits:
        return cls(Anatomy.of(model))

    def scores(self, layer: int, q: Tensor, k: Tensor) -> Tensor:
        """Pre-softmax attention scores ``(q . k) * scaling``, soft-capped where the family does (last axis: d_head)."""
        score = (q * k).sum(-1) * self.scaling(layer)
        cap = self.softcap(layer)
        return score if cap is None else torch.tanh(score / cap) * cap

    def split(self, projected: Float[Tensor, "... width"]) -> Float[Tensor, "... heads d_head"]:
        return projected.unflatten(-1, (-1, self.anatomy.d_head))

    def head_vectors(self, projection: nn.Module, x: Tensor, head: int, kv: bool) -> Tensor:
        """Projection of ``x`` (bias included) sliced to query head ``head`` (or the kv head it reads)."""
        weight = projection.weight
        assert isinstance(weight, Tensor)
        out = self.split(projection(x.to(weight.dtype)).float())
        return out[..., self.kv_head(head) if kv else head, :]

    def keys_of_residuals(self, site: Site, residual: Float[Tensor, "n d_model"]) -> Float[Tensor, "n d_head"]:
        """Un-rotated keys that head ``site`` computes from residual vectors (through the block's input norm)."""
        with torch.no_grad():
            normed = self.input_norm[site.layer](residual.to(self.anatomy.device))
            return self.head_vectors(self.key[site.layer], normed, head_index(site), kv=True)

    def values_of_residuals(self, site: Site, residual: Float[Tensor, "n d_model"]) -> Float[Tensor, "n d_head"]:
        """Values that head ``site`` computes from residual vectors (through the block's input norm)."""
        with torch.no_grad():
            normed = self.input_norm[site.layer](residual.to(self.anatomy.device))
            return self.head_vectors(self.value[site.layer], normed, head_index(site), kv=True)


class _StopForward(Exception):
    """Raised by a hook to end a forward pass once the layers of interest have run."""


def run_body(
    anatomy: Anatomy,
    hooks: list[Hook],
    stop_after_layer: int | None = None,
    **inputs: object,
) -> object | None:
    """Run the model's body (no unembedding) with ``hooks``; with ``stop_after_layer`` the blocks after it never run.

    Returns the body's output, or None when the pass was stopped early.
    """
    stop = []
    if stop_after_layer is not None and stop_after_layer < anatomy.n_layers - 1:

        def halt(module, args, kwargs, output):
            raise _StopForward

        stop = [Hook(anatomy.blocks[stop_after_layer], halt)]
    try:
        with torch.no_grad(), attached([*hooks, *stop]):
            return anatomy.model.base_model(**inputs)
    except _StopForward:
        return None
