"""Sites: the components whose outputs add up to the residual stream."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

SiteKind = Literal["embed", "pos_embed", "head", "attn_bias", "mlp"]
SITE_KINDS: tuple[SiteKind, ...] = ("embed", "pos_embed", "head", "attn_bias", "mlp")


@dataclass(frozen=True, order=True)
class Site:
    """One component writing into the residual stream.

    ``layer`` is the block the component belongs to (embeddings: 0, they enter layer 0); ``head`` is set for
    attention heads only. ``attn_bias`` is the output projection's bias (GPT-2, GPT-NeoX): it is the same in
    every run, so patching it never changes anything, but it is part of the exact sum.
    """

    layer: int
    kind: SiteKind
    head: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in SITE_KINDS:
            raise ValueError(f"unknown site kind {self.kind!r}")
        if (self.kind == "head") != (self.head is not None):
            raise ValueError("a head index is required for kind 'head' and only for it")
        if self.layer < 0 or (self.head is not None and self.head < 0):
            raise ValueError("layer and head are non-negative")

    @property
    def label(self) -> str:
        """Short name: ``embed``, ``pos_embed``, ``L3H5``, ``L3.mlp``, ``L3.attn_bias``."""
        if self.kind in ("embed", "pos_embed"):
            return self.kind
        if self.kind == "head":
            return f"L{self.layer}H{self.head}"
        return f"L{self.layer}.{self.kind}"

    def to_dict(self) -> dict[str, object]:
        return {"site": self.label, "kind": self.kind, "layer": self.layer, "head": self.head}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Site:
        head = data.get("head")
        return cls(layer=int(data["layer"]), kind=data["kind"], head=None if head is None else int(head))


def site_order(n_layers: int, n_heads: int, *, position_embedding: bool, attention_bias: bool) -> tuple[Site, ...]:
    """Canonical order of a model's sites: embeddings, then per layer its heads, attention bias and MLP."""
    sites = [Site(0, "embed")]
    if position_embedding:
        sites.append(Site(0, "pos_embed"))
    for layer in range(n_layers):
        sites.extend(Site(layer, "head", h) for h in range(n_heads))
        if attention_bias:
            sites.append(Site(layer, "attn_bias"))
        sites.append(Site(layer, "mlp"))
    return tuple(sites)
