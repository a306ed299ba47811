"""Certified first-order patching: the answer's log-odds from a few tokens, with a guaranteed error bound.

First-order patching reads every site's patched stream through the final norm and the whole unembedding, a
``[vocab x d_model]`` product per site and row. Most of that product is spent on tokens that carry almost no
probability. Here each patched row is read exactly on a *candidate set* C (the answer's tokens and the ``k``
most likely tokens of the unpatched row) and the rest R of the vocabulary is bounded:

    |logit'_j - logit_j| <= ||U_j|| * ||n' - n||        (U_j: row j of the unembedding; n, n': normed streams)

since the unembedding is linear (a soft-cap ``c * tanh(z / c)`` is 1-Lipschitz, so the bound holds through it).
Grouping R's tokens by ``||U_j||`` into buckets with sums ``S_k = sum_{j in R, bucket k} exp(logit_j)`` of the
unpatched row gives

    sum_k S_k exp(-M_k d) <= sum_{j in R} exp(logit'_j) <= sum_k S_k exp(M_k d),    d = ||n' - n||

with ``M_k`` the largest row norm of bucket k, so the log-odds ``log10 P(answer) / P(not answer)`` of the
patched row lies in an interval computed from C's exact logits and these two sums. The estimate is the
interval's midpoint and its half-width is the *certified bound* on the error. Rows whose bound exceeds
``tolerance`` are read exactly through the full vocabulary (their bound is then 0). The guarantee is exact
arithmetic's; float32 rounding (about 1e-6 relative) comes on top, as it does for the full readout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import torch
from jaxtyping import Bool, Float, Int
from torch import Tensor

from rivalry.core.decomposition import Decomposition
from rivalry.core.metrics import LN10, AnswerLogOdds
from rivalry.core.patching import readout_metric, readout_rows_per_chunk
from rivalry.core.sites import Site
from rivalry.errors import RivalryError
from rivalry.models.anatomy import Anatomy, output_weight

DEFAULT_TOLERANCE = 1e-4  # log10 units


@dataclass(frozen=True)
class CertifiedEffects:
    """First-order site effects on an answer's log10-odds, each with the error bound it is guaranteed within.

    Attributes:
        sites: the sites, in the order of the first axis.
        effects: metric(patched) - metric(target), per site and row (estimate; exact where ``fallback``).
        baseline: the exact metric of the unpatched target rows.
        bound: guaranteed ``|effects - exact effects|`` per site and row (0 where read exactly).
        fallback: where the bound exceeded ``tolerance`` and the full vocabulary was read.
        tolerance: the largest bound allowed without a fallback.
        n_candidates: tokens read exactly per row (the answer's and the top ``k`` of the unpatched row).
    """

    sites: tuple[Site, ...]
    effects: Float[Tensor, "site batch"]
    baseline: Float[Tensor, " batch"]
    bound: Float[Tensor, "site batch"]
    fallback: Bool[Tensor, "site batch"]
    tolerance: float
    n_candidates: int

    @property
    def fallback_rate(self) -> float:
        return float(self.fallback.float().mean()) if self.fallback.numel() else 0.0

    @property
    def max_bound(self) -> float:
        return float(self.bound.max()) if self.bound.numel() else 0.0


@dataclass(frozen=True)
class _Readout:
    """The unembedding, its row norms and its bias; the final norm is applied by the model's own module."""

    weight: Float[Tensor, "vocab d_model"]
    bias: Float[Tensor, " vocab"] | None
    row_norms: Float[Tensor, " vocab"]


def _readout(anatomy: Anatomy) -> _Readout:
    weight = output_weight(anatomy.unembed).detach().float()
    bias = getattr(anatomy.unembed, "bias", None)
    return _Readout(weight, None if bias is None else cast(Tensor, bias).detach().float(), weight.norm(dim=-1))


def _normed(anatomy: Anatomy, residual: Float[Tensor, "n d_model"]) -> Float[Tensor, "n d_model"]:
    weight = cast(Tensor, anatomy.final_norm.weight)
    with torch.no_grad():
        return anatomy.final_norm(residual.to(device=weight.device, dtype=weight.dtype)).float()


def _candidates(
    logits: Float[Tensor, "batch vocab"], answer: AnswerLogOdds, k: int
) -> tuple[Int[Tensor, "batch width"], Bool[Tensor, "batch width"], Bool[Tensor, "batch width"]]:
    """Each row's candidate ids (answer tokens, then its top ``k``), which are answers, which are used."""
    ids = answer.answer_ids.to(logits.device)
    valid = answer.valid.to(logits.device)
    top = logits.topk(min(k, logits.shape[1]), dim=-1).indices
    candidates = torch.cat([ids, top], dim=1)
    is_answer = torch.cat([valid, torch.zeros_like(top, dtype=torch.bool)], dim=1)
    repeated = (top[:, :, None] == ids[:, None, :]).any(-1)  # a top token that is an answer is counted once
    used = torch.cat([valid, ~repeated], dim=1)
    return candidates, is_answer, used


def _logsumexp(x: Float[Tensor, "n width"]) -> Float[Tensor, " n"]:
    """``logsumexp`` over the last axis (rows of -inf give -inf); faster than ``torch.logsumexp`` on CPU."""
    top = x.amax(-1, keepdim=True)
    top = torch.where(torch.isfinite(top), top, torch.zeros_like(top))
    return (x - top).exp_().sum(-1).log() + top[:, 0]


def _bucket_sums(
    logits: Float[Tensor, "batch vocab"],
    candidates: Int[Tensor, "batch width"],
    row_norms: Float[Tensor, " vocab"],
    n_buckets: int,
) -> tuple[Float[Tensor, "batch bucket"], Float[Tensor, " bucket"], Float[Tensor, " batch"]]:
    """``S_k / exp(ref)`` of the tokens outside each row's candidates, bucket maxima ``M_k``, and ``ref``."""
    edges = torch.quantile(row_norms, torch.linspace(0, 1, n_buckets + 1, device=row_norms.device)[1:-1])
    bucket = torch.bucketize(row_norms, edges)  # [vocab] in 0..n_buckets-1
    maxima = torch.full((n_buckets,), 0.0, device=row_norms.device).scatter_reduce(
        0, bucket, row_norms, reduce="amax", include_self=True
    )
    ref = logits.amax(-1)
    weights = (logits - ref[:, None]).exp()
    weights.scatter_(1, candidates, 0.0)
    sums = torch.zeros(logits.shape[0], n_buckets, device=logits.device).index_add_(1, bucket, weights)
    return sums, maxima, ref


def _tail_moments(
    logits: Float[Tensor, "batch vocab"],
    candidates: Int[Tensor, "batch width"],
    weight: Float[Tensor, "vocab d_model"],
    row_norms: Float[Tensor, " vocab"],
) -> tuple[Float[Tensor, "batch d_model"], Float[Tensor, " batch"]]:
    """For each row, the probability-weighted mean ``mu`` of the unembedding rows outside its candidates and
    the largest distance ``rho = max_j ||U_j - mu||`` of those rows from it."""
    weights = (logits - logits.amax(-1, keepdim=True)).exp()
    weights.scatter_(1, candidates, 0.0)
    total = weights.sum(-1, keepdim=True)
    mean = (weights @ weight) / total.clamp_min(torch.finfo(weights.dtype).tiny)
    squared = row_norms.square()[None, :] - 2 * mean @ weight.T + mean.pow(2).sum(-1, keepdim=True)
    squared = squared.clamp_min(0.0).scatter_(1, candidates, 0.0)
    return mean, squared.amax(-1).sqrt()


def certified_first_order_effects(
    model: object,
    target: Decomposition,
    source: Decomposition,
    answer: AnswerLogOdds,
    tolerance: float = DEFAULT_TOLERANCE,
    n_candidates: int | None = None,
    n_buckets: int = 32,
    chunk_rows: int = 2048,
    max_memory_mb: float | None = None,
) -> CertifiedEffects:
    """First-order effect of every site on the answer's log10-odds, certified within ``tolerance``.

    The same quantity as :func:`rivalry.core.patching.first_order_effects` with an :class:`AnswerLogOdds` metric
    (see the module docstring for the bound); ``effects`` differ from its exact values by at most ``bound``.
    ``n_candidates``: how many of the unpatched row's most likely tokens are read exactly besides the answer's
    (default: a 32nd of the vocabulary). ``max_memory_mb`` bounds the exact fallback's readout chunks as in
    ``first_order_effects``.
    """
    if tolerance < 0:
        raise RivalryError(f"tolerance must be >= 0, got {tolerance}")
    anatomy = Anatomy.of(model)
    if n_candidates is None:  # read 1/32 of the vocabulary exactly: 3% of a full readout's product
        n_candidates = max(64, anatomy.vocab_size // 32)
    if n_candidates < 1 or n_buckets < 1:
        raise RivalryError("n_candidates and n_buckets must be >= 1")
    if max_memory_mb is not None:
        chunk_rows = readout_rows_per_chunk(anatomy, max_memory_mb)
    if target.sites != source.sites or target.batch_size != source.batch_size:
        raise RivalryError("target and source decompositions must come from the same model and batch size")
    n_sites, batch = len(target.sites), target.batch_size
    readout = _readout(anatomy)
    device = readout.weight.device
    normed_target = _normed(anatomy, target.residual)  # [batch, d]
    full = normed_target @ readout.weight.T
    if readout.bias is not None:
        full = full + readout.bias
    logits_target = anatomy.cap_logits(full)
    rows = torch.arange(batch, device=device)
    baseline = answer(logits_target, rows)
    candidates, is_answer, used = _candidates(logits_target, answer, n_candidates)
    n_answer = answer.answer_ids.shape[1]  # candidates are the answer's ids, then the top tokens
    sums, maxima, ref = _bucket_sums(logits_target, candidates, readout.row_norms, n_buckets)
    linear = anatomy.logit_softcap is None  # logits linear in the normed stream: the second-order bound holds
    if linear:
        tail_mean, tail_radius = _tail_moments(logits_target, candidates, readout.weight, readout.row_norms)

    estimate = torch.zeros(n_sites, batch, device=device)
    bound = torch.zeros(n_sites, batch, device=device)
    neg_inf = torch.tensor(float("-inf"), device=device)
    for b in range(batch):
        delta_b = (source.contributions[:, b] - target.contributions[:, b]).to(device)  # [site, d]
        sites_b = torch.nonzero(delta_b.abs().amax(-1) > 0).flatten()  # an unmoved site has no effect, no error
        if sites_b.numel() == 0:
            continue
        normed = _normed(anatomy, target.residual[b].to(device) + delta_b[sites_b])  # [m, d]
        distance = (normed - normed_target[b]).norm(dim=-1)  # [m]
        picked = readout.weight[candidates[b]]  # [width, d]
        z = normed @ picked.T
        if readout.bias is not None:
            z = z + readout.bias[candidates[b]]
        logits_c = anatomy.cap_logits(z)  # [m, width]
        inside = _logsumexp(logits_c[:, :n_answer].masked_fill(~used[b, :n_answer], neg_inf))
        outside_c = _logsumexp(logits_c[:, n_answer:].masked_fill(~used[b, n_answer:], neg_inf))
        spread = distance[:, None] * maxima[None, :]  # [m, bucket]
        rest_hi = (sums[b] * spread.exp()).sum(-1).log() + ref[b]
        rest_lo = (sums[b] * (-spread).exp()).sum(-1).log() + ref[b]
        if linear:
            # log sum_R exp(l_j + U_j.dn) = log S_R + log E_w[exp(U_j.dn)] with w_j ∝ exp(l_j) on R:
            # >= mu.dn (Jensen) and <= mu.dn + (2 rho |dn|)^2 / 8 (Hoeffding's lemma, U_j.dn - mu.dn in ±rho |dn|)
            rest_log = sums[b].sum().log() + ref[b]
            shift = (normed - normed_target[b]) @ tail_mean[b]
            rest_hi = torch.minimum(rest_hi, rest_log + shift + (tail_radius[b] * distance).pow(2) / 2)
            rest_lo = torch.maximum(rest_lo, rest_log + shift)
        low = (inside - torch.logaddexp(outside_c, rest_hi)) / LN10
        high = (inside - torch.logaddexp(outside_c, rest_lo)) / LN10
        estimate[sites_b, b] = (low + high) / 2 - baseline[b]
        bound[sites_b, b] = (high - low) / 2
    fallback = bound > tolerance
    if bool(fallback.any()):
        pairs = torch.nonzero(fallback)
        for start in range(0, pairs.shape[0], chunk_rows):
            site_index, row_index = pairs[start : start + chunk_rows].T
            delta = (source.contributions[site_index, row_index] - target.contributions[site_index, row_index]).to(
                device
            )
            patched = target.residual.to(device)[row_index] + delta
            exact = readout_metric(anatomy, patched, row_index, answer, chunk_rows) - baseline[row_index]
            estimate[site_index, row_index] = exact
            bound[site_index, row_index] = 0.0
    return CertifiedEffects(
        sites=target.sites,
        effects=estimate,
        baseline=baseline,
        bound=bound,
        fallback=fallback,
        tolerance=tolerance,
        n_candidates=n_candidates,
    )
