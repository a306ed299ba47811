"""Query-key attribution: a head's pre-softmax score split exactly over upstream components at both sides.

For head ``h`` of layer ``l``, query column ``q`` and key column ``k``, the stream entering block ``l`` at each
column is the sum of the outputs of every earlier site (embeddings, heads, attention biases, MLPs; Gemma-2's
post-attention norm at its run scale). With the input norm's scale ``s(x)`` frozen at the run's value the norm is
affine, ``norm(x) = sum_i g * centre(c_i) * s(x) + beta``, and so are the query and key maps and rotary::

    Q_i = R_q W_Q (g * centre(c_i) * s(x_q)),   Q_bias = R_q (W_Q beta + b_Q)      (likewise K_j at column k)
    score = scaling * q . k = sum_{i, j} scaling * Q_i . K_j

exactly (before Gemma-2's attention soft-cap, which is applied to this sum). ``S[i, j]`` names which upstream
component at the query side, meeting which at the key side, builds the head's attention to the key;
``S.sum(1)`` (query-side shares) and ``S.sum(0)`` (key-side shares) each add up to the score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from jaxtyping import Float
from torch import Tensor

from rivalry.attribution.atp import _post_attention_factor, _upstream_count, model_sites
from rivalry.attribution.attention_access import AttentionAccess, rotate
from rivalry.attribution.trace import Nodes
from rivalry.core.sites import Site


@dataclass(frozen=True)
class QKSplit:
    """One head's score at one (query, key) pair, split over ``components`` (sites; None: the biases) x components."""

    components: tuple[Site | None, ...]
    matrix: Float[Tensor, "query_component key_component"]
    score: float  # the score from the model's own q and k (pre soft-cap)

    @property
    def reconstructed(self) -> float:
        return float(self.matrix.double().sum())

    @property
    def relative_error(self) -> float:
        return abs(self.reconstructed - self.score) / max(abs(self.score), 1e-12)


def upstream_contributions(access: AttentionAccess, nodes: Nodes, row: int, layer: int, column: int) -> Tensor:
    """``[n_up, d_model]``: every site's output at ``column`` that is in the stream entering block ``layer``."""
    anatomy = access.anatomy
    sites = model_sites(anatomy)[: _upstream_count(model_sites(anatomy), layer)]
    parts: list[Tensor] = []
    w_o = anatomy.head_output_weights
    biases = anatomy.attention_output_biases
    for site in sites:
        if site.kind == "embed":
            parts.append(nodes.embed[row, column].detach().float())
        elif site.kind == "pos_embed":
            assert nodes.pos_embed is not None
            parts.append(nodes.pos_embed.expand(nodes.embed.shape[0], -1, -1)[row, column].detach().float())
        elif site.kind == "mlp":
            parts.append(nodes.mlp[site.layer][row, column].detach().float())
        else:
            if site.kind == "head":
                z = nodes.z[site.layer][row, column].detach().float().unflatten(-1, (anatomy.n_heads, -1))
                value = w_o[site.layer, :, site.head].to(z.device) @ z[site.head]
            else:
                assert biases is not None
                value = biases[site.layer].to(anatomy.device)
            factor = _post_attention_factor(anatomy, nodes, site.layer)
            parts.append(value if factor is None else value * factor[row, column])
    return torch.stack(parts)


def _side(access: AttentionAccess, nodes: Nodes, row: int, layer: int, column: int, which: str, head: int) -> Tensor:
    """``[n_up + 1, d_head]``: each upstream component's share of the rotated query (or key), the bias last."""
    parts = upstream_contributions(access, nodes, row, layer, column)
    norm = access.norm_params(layer)
    x = nodes.norm_in[layer][row, column].detach().float()
    scale = norm.scale(x)
    normed = norm.gain.to(x.device) * norm.centre(parts) * scale
    constant = norm.bias.to(x.device)[None] if norm.bias is not None else torch.zeros(1, x.shape[-1], device=x.device)
    with torch.no_grad():
        zero = access.project(layer, torch.zeros_like(constant), which)  # type: ignore[arg-type]
        shares = access.project(layer, normed, which) - zero  # type: ignore[arg-type]
        bias = access.project(layer, constant, which)  # type: ignore[arg-type]
    vectors = torch.cat([shares, bias])  # [n_up + 1, heads, d_head]
    index = head if which == "q" else access.kv_head(head)
    vectors = vectors[:, index]
    if nodes.rotary is not None:
        cos, sin = (t[row, column].to(x.device) for t in nodes.rotary[layer])
        vectors = rotate(vectors, cos, sin)
    return vectors


def model_score(access: AttentionAccess, nodes: Nodes, row: int, layer: int, head: int, query: int, key: int) -> float:
    """The head's pre-soft-cap score from the model's own norm, projections and rotary (the reference)."""
    with torch.no_grad():
        out = []
        for column, which, index in ((query, "q", head), (key, "k", access.kv_head(head))):
            x = nodes.norm_in[layer][row, column : column + 1]
            vector = access.project(layer, access.input_norm[layer](x), which)[0, index]  # type: ignore[arg-type]
            if nodes.rotary is not None:
                cos, sin = (t[row, column].to(vector.device) for t in nodes.rotary[layer])
                vector = rotate(vector, cos, sin)
            out.append(vector)
    return float((out[0] * out[1]).sum()) * access.scaling(layer)


def qk_split(access: AttentionAccess, nodes: Nodes, row: int, site: Site, query: int, key: int) -> QKSplit:
    """Split head ``site``'s score from ``query`` to ``key`` (columns of row ``row``) over upstream components."""
    assert site.head is not None
    q = _side(access, nodes, row, site.layer, query, "q", site.head)
    k = _side(access, nodes, row, site.layer, key, "k", site.head)
    matrix = (q @ k.T) * access.scaling(site.layer)
    sites = model_sites(access.anatomy)[: q.shape[0] - 1]
    return QKSplit(
        components=(*sites, None),
        matrix=matrix.cpu(),
        score=model_score(access, nodes, row, site.layer, site.head, query, key),
    )


@dataclass(frozen=True)
class QKHeadSplit:
    """A head's score at (predicting position, forbidden word), split and averaged over facts.

    Attributes:
        site: the head.
        n_facts: facts averaged over.
        mean_score: mean pre-soft-cap score; ``mean_attention``: mean attention probability on the word's token.
        components: the upstream components (None: the norm and projection biases).
        query_shares, key_shares: mean share of each component at the query / key side (each sums to the score).
        top_pairs: the largest ``(query component, key component, mean share)`` terms.
        max_relative_error: largest ``|sum of shares - score| / |score|`` over the facts.
    """

    site: Site
    n_facts: int
    mean_score: float
    mean_attention: float
    components: tuple[Site | None, ...]
    query_shares: tuple[float, ...]
    key_shares: tuple[float, ...]
    top_pairs: tuple[tuple[Site | None, Site | None, float], ...]
    max_relative_error: float

    def top_components(self, side: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` components with the largest share at ``side`` ("query" or "key"), labelled."""
        shares = self.query_shares if side == "query" else self.key_shares
        order = sorted(range(len(shares)), key=lambda i: -shares[i])[:k]
        return [(_label(self.components[i]), shares[i]) for i in order]

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site.to_dict(), "n_facts": self.n_facts, "mean_score": self.mean_score,
            "mean_attention": self.mean_attention,
            "components": [None if c is None else c.to_dict() for c in self.components],
            "query_shares": list(self.query_shares), "key_shares": list(self.key_shares),
            "top_pairs": [[_site_dict(a), _site_dict(b), v] for a, b, v in self.top_pairs],
            "top_query": [list(p) for p in self.top_components("query")],
            "top_key": [list(p) for p in self.top_components("key")],
            "max_relative_error": self.max_relative_error,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QKHeadSplit:
        return cls(
            site=Site.from_dict(data["site"]), n_facts=int(data["n_facts"]), mean_score=float(data["mean_score"]),
            mean_attention=float(data["mean_attention"]),
            components=tuple(_site_of(c) for c in data["components"]),
            query_shares=tuple(float(v) for v in data["query_shares"]),
            key_shares=tuple(float(v) for v in data["key_shares"]),
            top_pairs=tuple((_site_of(a), _site_of(b), float(v)) for a, b, v in data["top_pairs"]),
            max_relative_error=float(data["max_relative_error"]),
        )  # fmt: skip


def _label(site: Site | None) -> str:
    return "bias" if site is None else site.label


def _site_dict(site: Site | None) -> dict[str, object] | None:
    return None if site is None else site.to_dict()


def _site_of(data: Any) -> Site | None:
    return None if data is None else Site.from_dict(data)


def summarise(site: Site, splits: list[QKSplit], attention: list[float], n_pairs: int = 20) -> QKHeadSplit:
    """Average one head's splits over facts (all share one component list: same layer)."""
    mean = torch.stack([s.matrix for s in splits]).mean(0)
    components = splits[0].components
    flat = mean.flatten().abs().argsort(descending=True)[:n_pairs]
    width = mean.shape[1]
    pairs = tuple((components[int(i) // width], components[int(i) % width], float(mean.flatten()[i])) for i in flat)
    return QKHeadSplit(
        site=site,
        n_facts=len(splits),
        mean_score=sum(s.score for s in splits) / len(splits),
        mean_attention=sum(attention) / len(attention),
        components=components,
        query_shares=tuple(float(v) for v in mean.sum(1)),
        key_shares=tuple(float(v) for v in mean.sum(0)),
        top_pairs=pairs,
        max_relative_error=max(s.relative_error for s in splits),
    )
