"""Vocabulary search for attacks: which token, put in a slot, makes the heads *suppress the answer* most?

The attention search of :mod:`rivalry.circuits.search` asks what a head looks at; an attacker wants what a head
looks at **and** writes against the answer. For each head ``h`` (layer ``l``), each candidate token ``c`` at
slot ``p`` and the answer's log10 odds ``LO`` read at the predicting position, the head's direct effect is
linearised and its attention to the slot taken from the QK approximation::

    g      = d LO / d resid_final              gradient through the final norm and unembedding (clean run)
    u_h    = W_O[l, :, h]^T g                  what one unit of the head's value space is worth to LO
    w_h(c) = sigmoid(s_h(c) - lse_{j != p} s_j) attention on the slot if only its key changes (QK approximation)
    v_h(c) = W_V norm_l(W_E_eff[c])            the candidate's value (effective embedding, as its key)
    b_h    = softmax_{j != p}(s_j) . (V_j u_h)  what the head writes from the other keys, valued by g
    effect_h(c) = (1 - w_h(c)) b_h + w_h(c) v_h(c) . u_h  -  (clean head output) . g

``effect(c) = sum_h effect_h(c)``: the predicted change of the answer's log10 odds through the heads' direct
paths (negative: the heads push the answer down). The head's output after the slot changes is exactly
``(1 - w) out_others + w o_c`` (attention renormalises over the other keys), so the only approximations are
the key/value of the candidate (its effective embedding, as in :mod:`rivalry.circuits.search`), the frozen
residual elsewhere, and the linear readout (Gemma-2's post-attention norm enters with this run's scale, as in
the decomposition). :func:`refine_exact` then measures the real effect of the best
few candidates with forward passes of the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Float, Int
from torch import Tensor

from rivalry.circuits.circuit import HeadCircuits, head_index, rotate, run_body
from rivalry.circuits.embedding import effective_embedding
from rivalry.core.hooks import Hook, first_tensor_arg, main_output
from rivalry.core.metrics import AnswerLogOdds
from rivalry.core.sites import Site
from rivalry.models.anatomy import Anatomy, rms_gain


@dataclass(frozen=True)
class CandidateVectors:
    """Un-rotated keys and values that each head computes from each candidate's effective embedding."""

    candidates: Int[Tensor, " n"]
    keys: dict[Site, Float[Tensor, "n d_head"]]
    values: dict[Site, Float[Tensor, "n d_head"]]


def candidate_vectors(
    lm: object, sites: Sequence[Site], candidates: Int[Tensor, " n"] | Sequence[int], batch_size: int = 4096
) -> CandidateVectors:
    """Keys and values of every candidate for every head (raw embedding for layer-0 heads, else W_E_eff)."""
    circuits = HeadCircuits.of(lm)
    cands = torch.as_tensor(candidates, dtype=torch.long).reshape(-1)
    keys: dict[Site, list[Tensor]] = {site: [] for site in sites}
    values: dict[Site, list[Tensor]] = {site: [] for site in sites}
    for start in range(0, cands.shape[0], batch_size):
        chunk = cands[start : start + batch_size]
        embeddings = {t: effective_embedding(lm, chunk, through_layers=t) for t in {min(s.layer, 1) for s in sites}}
        for site in sites:
            x = embeddings[min(site.layer, 1)]
            keys[site].append(circuits.keys_of_residuals(site, x).cpu())
            values[site].append(circuits.values_of_residuals(site, x).cpu())
    return CandidateVectors(
        candidates=cands,
        keys={s: torch.cat(v) for s, v in keys.items()},
        values={s: torch.cat(v) for s, v in values.items()},
    )


def _post_attention_factor(anatomy: Anatomy, layer: int, store: dict[str, Tensor]) -> Tensor | float:
    """Gemma-2 normalises attention output before the residual: ``gain / rms(o)`` of this run's last position."""
    if anatomy.post_attention_norms is None:
        return 1.0
    norm = rms_gain(anatomy.post_attention_norms[layer], anatomy.spec.norm_weight_offset)
    o = store[f"post{layer}"][0, -1].float()
    return (norm.gain.to(o.device) * torch.rsqrt(o.pow(2).mean() + norm.eps)).to(anatomy.device)


@dataclass(frozen=True)
class SuppressionSearch:
    """Predicted effect of every candidate at the slot on the answer's log10 odds, per head.

    Attributes:
        sites: the heads.
        candidates: candidate token ids.
        weights: approximate attention of each head on the slot ``[candidate, site]``.
        effects: predicted change of the answer's log10 odds through each head's direct path ``[candidate, site]``.
    """

    sites: tuple[Site, ...]
    candidates: Int[Tensor, " n"]
    weights: Float[Tensor, "n site"]
    effects: Float[Tensor, "n site"]

    @property
    def total(self) -> Float[Tensor, " n"]:
        return self.effects.sum(-1)

    def order(self) -> Int[Tensor, " n"]:
        """Candidate indices, the most suppressive (most negative total effect) first."""
        return self.total.argsort()


def answer_gradient(lm: object, residual: Float[Tensor, " d_model"], answer_set: Sequence[int]) -> Tensor:
    """``d LO / d residual``: gradient of the answer's log10 odds at one final residual vector (float32)."""
    anatomy = HeadCircuits.of(lm).anatomy
    norm = anatomy.final_norm
    weight = norm.weight
    assert isinstance(weight, Tensor)
    x = residual.detach().to(device=weight.device, dtype=weight.dtype).clone().requires_grad_(True)
    with torch.enable_grad():
        logits = anatomy.cap_logits(anatomy.unembed(norm(x[None])).float())
        lo = AnswerLogOdds.from_token_sets([list(answer_set)])(logits, torch.zeros(1, dtype=torch.long))
        (grad,) = torch.autograd.grad(lo.sum(), x)
    return grad.float()


def slot_suppression(
    lm: object,
    input_ids: Int[Tensor, " seq"],
    slot: int,
    answer_set: Sequence[int],
    vectors: CandidateVectors,
    sites: Sequence[Site] | None = None,
) -> SuppressionSearch:
    """Predicted effect on the answer's log10 odds of every candidate of ``vectors`` at ``slot`` (one clean pass)."""
    circuits = HeadCircuits.of(lm)
    anatomy, device = circuits.anatomy, circuits.anatomy.device
    sites = list(vectors.keys) if sites is None else list(sites)
    ids = torch.as_tensor(input_ids, dtype=torch.long).reshape(-1)
    if not 0 <= slot < ids.shape[0] - 1:
        raise ValueError("the slot must come before the predicting (last) position")
    layers = sorted({s.layer for s in sites})
    store: dict[str, Tensor] = {}

    def rotary(layer: int, kwargs: dict) -> None:
        cos, sin = kwargs["position_embeddings"]
        store[f"cos{layer}"], store[f"sin{layer}"] = cos[0].float(), sin[0].float()

    hooks = [Hook(anatomy.final_norm, lambda m, a, k: store.__setitem__("final", first_tensor_arg(a, k)), "pre")]
    post_norms = anatomy.post_attention_norms
    for layer in layers if post_norms is not None else ():
        assert post_norms is not None
        hooks.append(
            Hook(
                post_norms[layer],
                lambda m, a, k, key=f"post{layer}": store.__setitem__(key, first_tensor_arg(a, k)),
                "pre",
            )
        )
    for layer in layers:
        hooks.append(Hook(circuits.attention[layer], lambda m, a, k, layer=layer: rotary(layer, k), "pre"))
        for name, module in (("q", circuits.query[layer]), ("k", circuits.key[layer]), ("v", circuits.value[layer])):
            hooks.append(Hook(module, lambda m, a, k, o, key=f"{name}{layer}": store.__setitem__(key, main_output(o))))
    run_body(
        anatomy,
        hooks,
        None,
        input_ids=ids[None].to(device),
        attention_mask=torch.ones(1, ids.shape[0], dtype=torch.long, device=device),
        position_ids=torch.arange(ids.shape[0], device=device)[None],
        use_cache=False,
    )
    grad = answer_gradient(lm, store["final"][0, -1], answer_set)
    w_out = anatomy.head_output_weights.to(grad.device)
    weights, effects = [], []
    for site in sites:
        layer, cos, sin = site.layer, store[f"cos{site.layer}"], store[f"sin{site.layer}"]
        kv = circuits.kv_head(head_index(site))
        q = rotate(circuits.split(store[f"q{layer}"][0].float())[-1, site.head], cos[-1], sin[-1])
        clean_keys = rotate(circuits.split(store[f"k{layer}"][0].float())[:, kv], cos, sin)
        clean_values = circuits.split(store[f"v{layer}"][0].float())[:, kv]  # [seq, d_head]
        scores = circuits.scores(layer, q, clean_keys)
        window = getattr(circuits.attention[layer], "sliding_window", None)
        if window:
            scores[: max(ids.shape[0] - window, 0)] = float("-inf")
        u = w_out[layer, :, site.head].T @ (grad * _post_attention_factor(anatomy, layer, store))  # [d_head]
        worth = clean_values @ u  # [seq]: what each position's value is worth to LO
        clean_out = scores.softmax(0) @ worth
        others = torch.cat([scores[:slot], scores[slot + 1 :]])
        other_worth = torch.cat([worth[:slot], worth[slot + 1 :]])
        base = others.softmax(0) @ other_worth
        slot_scores = circuits.scores(layer, q, rotate(vectors.keys[site].to(cos.device), cos[slot], sin[slot]))
        w = torch.sigmoid(slot_scores - others.logsumexp(0))
        own = vectors.values[site].to(u.device) @ u
        weights.append(w.cpu())
        effects.append(((1 - w) * base + w * own - clean_out).cpu())
    return SuppressionSearch(
        sites=tuple(sites),
        candidates=vectors.candidates,
        weights=torch.stack(weights, dim=-1),
        effects=torch.stack(effects, dim=-1),
    )
