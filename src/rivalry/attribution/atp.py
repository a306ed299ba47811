"""Attribution patching (AtP) of every site at every position, with the AtP* QK fix and GradDrop bounds.

For a metric ``M`` of a *target* run (read at each row's last position) and a *source* run of the same token
layout, each node ``n`` (a site's output at one column) gets the first-order estimate of patching it
(Nanda 2023; Syed et al. 2023)::

    AtP(n) = (a_n(source) - a_n(target)) . dM/da_n(target)

from one traced target pass, one source pass and one backward pass per batch.

**QK fix** (after Kramár et al. 2024, AtP*): a node's change ``D`` at column ``p`` enters the key at ``p`` of every
later head; through the softmax that path saturates and its linearisation can be far off. For every later
head ``h`` and the row's predicting query, the key-side score change is recomputed exactly for the node's own
change (through ``h``'s input norm, recomputed rather than linearised, its key map and rotary)::

    ds = scaling * q_last . R_p (k(norm(x_p + D)) - k(norm(x_p)))

the attention row is recomputed exactly for that one changed score (softmax with one entry moved), and the
linear term of that path, ``A_p (g_p - sum_k A_k g_k) ds_lin`` with ``g = dM/dA``, is replaced by
``sum_k (A'_k - A_k) g_k``. Attention rows of other query positions stay linearised (the metric is read at the
last position), as do paths through intermediate layers.

**GradDrop** (AtP*): the backward pass is repeated with the gradient through the residual writes of one group of
layers set to zero; ``bound(n) = max(|AtP(n)|, max_g |AtP_g(n)|)``. A node whose bound is far above its
estimate has paths that cancel in the plain gradient (a possible false negative).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from jaxtyping import Float, Int
from torch import Tensor

from rivalry.attribution.attention_access import AttentionAccess, rotate, rotate_back
from rivalry.attribution.trace import Nodes, readout_with_grad, trace
from rivalry.core.metrics import Metric
from rivalry.core.sites import Site, site_order
from rivalry.errors import RivalryError
from rivalry.models.anatomy import Anatomy, rms_gain


@dataclass(frozen=True)
class NodeScores:
    """Attribution of every site at every column of a batch (columns of the left-padded target batch).

    Attributes:
        sites: site order of the second axis.
        linear: plain AtP ``[batch, site, seq]``.
        qk_fixed: AtP with the QK fix (None when not computed).
        bound: GradDrop bound (None when not computed).
        target_metric, source_metric: the metric of each row in the two runs.
    """

    sites: tuple[Site, ...]
    linear: Float[Tensor, "batch site seq"]
    qk_fixed: Float[Tensor, "batch site seq"] | None
    bound: Float[Tensor, "batch site seq"] | None
    target_metric: Float[Tensor, " batch"]
    source_metric: Float[Tensor, " batch"]

    @property
    def best(self) -> Float[Tensor, "batch site seq"]:
        return self.qk_fixed if self.qk_fixed is not None else self.linear


def model_sites(anatomy: Anatomy) -> tuple[Site, ...]:
    return site_order(
        anatomy.n_layers,
        anatomy.n_heads,
        position_embedding=anatomy.position_embedding is not None,
        attention_bias=anatomy.has_attention_bias,
    )


def _assemble(
    anatomy: Anatomy, sites: tuple[Site, ...], embed: Tensor, pos: Tensor | None, heads: Tensor, mlp: Tensor
) -> Tensor:
    """Stack per-kind ``[batch, seq]`` / ``[layer, batch, seq, head]`` / ``[layer, batch, seq]`` into site order."""
    batch, seq = embed.shape
    out = torch.zeros(batch, len(sites), seq, device=embed.device)
    index = {s: i for i, s in enumerate(sites)}
    out[:, index[Site(0, "embed")]] = embed
    if pos is not None:
        out[:, index[Site(0, "pos_embed")]] = pos
    for layer in range(anatomy.n_layers):
        start = index[Site(layer, "head", 0)]
        out[:, start : start + anatomy.n_heads] = heads[layer].permute(0, 2, 1)
        out[:, index[Site(layer, "mlp")]] = mlp[layer]
    return out


def _dot(a: Tensor, b: Tensor) -> Tensor:
    return (a.detach().float() * b.float()).sum(-1)


def _post_attention_factor(anatomy: Anatomy, nodes: Nodes, layer: int) -> Tensor | None:
    """Gemma-2: ``gain * rsqrt(mean(o^2) + eps)`` per column of the target run (frozen), ``[batch, seq, d]``."""
    if anatomy.post_attention_norms is None:
        return None
    norm = rms_gain(anatomy.post_attention_norms[layer], anatomy.spec.norm_weight_offset)
    o = nodes.attn_out[layer].detach().float()
    return norm.gain.to(o.device) * torch.rsqrt(o.pow(2).mean(-1, keepdim=True) + norm.eps)


def head_deltas(anatomy: Anatomy, target: Nodes, source: Nodes, row: int) -> Float[Tensor, "site seq d_model"]:
    """What each node's patch adds to the residual stream at its own column, for one row (site order)."""
    sites = model_sites(anatomy)
    seq = target.embed.shape[1]
    out = torch.zeros(len(sites), seq, anatomy.d_model, device=target.embed.device)
    index = {s: i for i, s in enumerate(sites)}
    out[index[Site(0, "embed")]] = (source.embed[row] - target.embed[row]).detach().float()
    w_o = anatomy.head_output_weights.to(out.device)  # [layer, d_model, head, d_head]
    for layer in range(anatomy.n_layers):
        dz = (source.z[layer][row] - target.z[layer][row]).detach().float().unflatten(-1, (anatomy.n_heads, -1))
        written = torch.einsum("she,dhe->hsd", dz, w_o[layer])
        factor = _post_attention_factor(anatomy, target, layer)
        if factor is not None:
            written = written * factor[row][None]
        start = index[Site(layer, "head", 0)]
        out[start : start + anatomy.n_heads] = written
        out[index[Site(layer, "mlp")]] = (source.mlp[layer][row] - target.mlp[layer][row]).detach().float()
    return out


def _upstream_count(sites: tuple[Site, ...], layer: int) -> int:
    """Number of leading sites (site order) that write before block ``layer`` reads the stream."""
    return sum(1 for s in sites if s.kind in ("embed", "pos_embed") or s.layer < layer)


def _capped(access: AttentionAccess, layer: int, raw: Tensor) -> Tensor:
    cap = access.softcap(layer)
    return raw if cap is None else torch.tanh(raw / cap) * cap


def qk_correction(
    access: AttentionAccess,
    target: Nodes,
    deltas: Float[Tensor, "site seq d_model"],
    z_grads: list[Tensor],
    row: int,
    query: int,
    mask: Int[Tensor, " seq"],
) -> Float[Tensor, "site seq"]:
    """``sum_h (exact - linear)`` key-side effect of every node of ``row`` on the heads' attention from ``query``.

    The attention row ``A`` is rebuilt from the model's own q and k (padding, window and soft-cap applied) and
    ``dLO/dA_j = v_j . dLO/dz_h`` from the heads' output gradients ``z_grads``, so no eager attention is needed.
    """
    anatomy = access.anatomy
    sites = model_sites(anatomy)
    d = anatomy.d_model
    correction = torch.zeros(deltas.shape[:2], device=deltas.device)
    # only columns where some node changes matter (causal: none before the first differing token)
    cols = (deltas.abs().amax(dim=(0, 2)) > 0).nonzero().flatten()
    if cols.numel() == 0:
        return correction
    centred = access.norm_params(0).centre(deltas[:, cols])  # [site, col, d]; every layer's norm is of one kind
    sq_delta = centred.pow(2).sum(-1)  # [site, col]
    by_column = centred.transpose(0, 1).contiguous()  # [col, site, d]: one batched product per layer
    for layer in range(anatomy.n_layers):
        n_up = _upstream_count(sites, layer)
        norm = access.norm_params(layer)
        x = target.norm_in[layer][row].detach().float()  # [seq, d]
        xc = norm.centre(x)
        scale = norm.scale(x)  # [seq]
        w_k, b_k = access.linear_map(layer, "k")  # [d, kv, d_head]
        with torch.no_grad():
            q = access.project(layer, access.input_norm[layer](x[query : query + 1].to(x.dtype)), "q")[0]  # [H, dh]
            normed = access.input_norm[layer](x)
            k = access.project(layer, normed, "k")  # [seq, kv, dh]
            values = access.project(layer, normed, "v")  # [seq, kv, dh]
        kv = torch.tensor([access.kv_head(h) for h in range(anatomy.n_heads)], device=x.device)
        if target.rotary is not None:
            cos, sin = (t[row].to(x.device) for t in target.rotary[layer])
            q = rotate(q, cos[query], sin[query])
            k = rotate(k, cos[:, None], sin[:, None])
            q_back = rotate_back(q[:, None], cos[None], sin[None])  # [H, seq, dh]: R_p^T q
        else:
            q_back = q[:, None].expand(-1, x.shape[0], -1)
        scaling = access.scaling(layer)
        raw = (q[:, None] * k[:, kv].transpose(0, 1)).sum(-1) * scaling  # [H, seq]
        v = torch.einsum("dhe,hse->hsd", w_k[:, kv].to(x.device), q_back) * scaling * norm.gain.to(x.device)
        if norm.kind == "layer":
            v = v - v.mean(-1, keepdim=True)
        v, xc, scale = v[:, cols], xc[cols], scale[cols]
        c = (v * xc[None]).sum(-1)  # [H, col]: the score's norm-dependent part, before the scale
        readers = torch.cat([v.permute(1, 2, 0), xc[:, :, None]], dim=-1)  # [col, d, H + 1]
        products = torch.bmm(by_column[:, :n_up], readers).permute(1, 2, 0)  # [n, H + 1, col]
        a_v, a_x = products[:, :-1], products[:, -1]  # D . v per head, D . centre(x)
        new_scale = torch.rsqrt((xc.pow(2).sum(-1)[None] + 2 * a_x + sq_delta[:n_up]) / d + norm.eps)  # [n, col]
        exact_raw = new_scale[:, None] * (c[None] + a_v) - (scale * c)[None]
        linear_raw = scale[None, None] * a_v - (scale.pow(3) * c)[None] * a_x[:, None] / d
        cap = access.softcap(layer)
        key_raw = raw[:, cols]
        exact = _capped(access, layer, key_raw[None] + exact_raw) - _capped(access, layer, key_raw)[None]
        linear = linear_raw if cap is None else linear_raw * (1 - torch.tanh(key_raw / cap).pow(2))[None]
        hidden = mask.to(x.device) == 0
        window = access.sliding_window(layer)
        if window is not None:
            hidden = hidden | (torch.arange(x.shape[0], device=x.device) <= query - window)
        probs = _capped(access, layer, raw).masked_fill(hidden[None], float("-inf")).softmax(-1)  # [H, seq]
        gz = z_grads[layer][row, query].float().unflatten(-1, (anatomy.n_heads, -1))  # [H, dh]
        g = torch.einsum("she,he->hs", values[:, kv], gz)  # dLO/dA
        total = (probs * g).sum(-1)  # [H]
        probs, g = probs[:, cols], g[:, cols]
        others = total[:, None] - probs * g  # [H, col]
        log_p = probs.clamp_min(1e-30).log()
        moved = torch.logaddexp(log_p[None] + exact, torch.log1p(-probs.clamp(max=1 - 1e-7))[None])
        new_p = (log_p[None] + exact - moved).exp()  # [n, H, col]
        keep = (1 - new_p) / (1 - probs).clamp_min(1e-7)[None]
        exact_effect = new_p * g[None] + keep * others[None] - total[None, :, None]
        linear_effect = probs[None] * (g - total[:, None])[None] * linear
        live = (probs > 0)[None]
        correction[:n_up, cols] += torch.where(live, exact_effect - linear_effect, 0.0).sum(1)
    return correction


def attribution_patching(
    model: object,
    target_ids: Int[Tensor, "batch seq"],
    target_mask: Int[Tensor, "batch seq"],
    source_ids: Int[Tensor, "batch seq"],
    source_mask: Int[Tensor, "batch seq"],
    metric: Metric,
    *,
    qk_fix: bool = True,
    graddrop_groups: int = 0,
) -> NodeScores:
    """Score every site at every column: patch it from the source run into the target run (first order).

    Both batches must share one token layout (same shape and mask: row ``b`` of each is a pair whose prompts
    differ only in some tokens); the metric is read at each row's last column. See the module doc for the
    QK fix and the GradDrop bound.
    """
    if target_ids.shape != source_ids.shape or not torch.equal(target_mask.cpu(), source_mask.cpu()):
        raise RivalryError("target and source batches must have the same token layout (shape and attention mask)")
    if bool((target_mask[:, -1] == 0).any()):
        raise RivalryError("attribution patching reads the last column: left-pad the batch")
    access = AttentionAccess.of(model)
    anatomy = access.anatomy
    sites = model_sites(anatomy)
    source = trace(access, source_ids, source_mask)
    rows = torch.arange(target_ids.shape[0], device=anatomy.device)
    with torch.no_grad():
        source_metric = metric(readout_with_grad(anatomy, source.resid_final[:, -1]), rows)
    gate: dict[int, float] = {}
    target = trace(access, target_ids, target_mask, grad=True, gate=gate if graddrop_groups else None)
    with torch.enable_grad():
        value = metric(readout_with_grad(anatomy, target.resid_final[:, -1]), rows)
    pos = [target.pos_embed] if target.pos_embed is not None else []
    inputs = [target.embed, *pos, *target.z, *target.mlp]
    raw = torch.autograd.grad(value.sum(), inputs, retain_graph=graddrop_groups > 0, allow_unused=True)
    grads = [torch.zeros_like(t) if g is None else g for t, g in zip(inputs, raw, strict=True)]
    linear = _linear_scores(anatomy, sites, target, source, grads)
    qk_fixed = None
    if qk_fix:
        offset = 1 + len(pos)
        z_grads = grads[offset : offset + anatomy.n_layers]
        fixed = []
        last = target_ids.shape[1] - 1
        for row in range(target_ids.shape[0]):
            deltas = head_deltas(anatomy, target, source, row)
            fixed.append(linear[row] + qk_correction(access, target, deltas, z_grads, row, last, target_mask[row]))
        qk_fixed = torch.stack(fixed)
    bound = None
    if graddrop_groups:
        bound = linear.abs()
        size = math.ceil(anatomy.n_layers / graddrop_groups)
        nodes = inputs
        for start in range(0, anatomy.n_layers, size):
            gate.clear()
            gate.update({layer: 0.0 for layer in range(start, min(start + size, anatomy.n_layers))})
            dropped = torch.autograd.grad(value.sum(), nodes, retain_graph=True, allow_unused=True)
            dropped_grads = [torch.zeros_like(t) if g is None else g for t, g in zip(nodes, dropped, strict=True)]
            bound = torch.maximum(bound, _linear_scores(anatomy, sites, target, source, dropped_grads).abs())
        gate.clear()
    return NodeScores(
        sites=sites,
        linear=linear.cpu(),
        qk_fixed=None if qk_fixed is None else qk_fixed.cpu(),
        bound=None if bound is None else bound.cpu(),
        target_metric=value.detach().cpu(),
        source_metric=source_metric.cpu(),
    )


def _linear_scores(
    anatomy: Anatomy, sites: tuple[Site, ...], target: Nodes, source: Nodes, grads: list[Tensor]
) -> Tensor:
    n = anatomy.n_layers
    offset = 1 + (target.pos_embed is not None)
    embed = _dot(source.embed - target.embed, grads[0])
    pos = None
    if target.pos_embed is not None and source.pos_embed is not None:
        pos = _dot(source.pos_embed - target.pos_embed, grads[1]).expand_as(embed)
    heads = torch.stack(
        [
            _dot(
                (source.z[i] - target.z[i]).unflatten(-1, (anatomy.n_heads, -1)),
                grads[offset + i].unflatten(-1, (anatomy.n_heads, -1)),
            )
            for i in range(n)
        ]
    )
    mlp = torch.stack([_dot(source.mlp[i] - target.mlp[i], grads[offset + n + i]) for i in range(n)])
    return _assemble(anatomy, sites, embed, pos, heads, mlp)
