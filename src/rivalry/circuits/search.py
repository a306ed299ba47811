"""Exhaustive vocabulary attention search: which token, placed in a slot of the prompt, does a head look at most?

For a head, a prompt (one row of token ids) and a slot position ``p``, every candidate token ``c`` is put at
``p`` and we read the attention weight the head's query at the predicting (last) position gives to ``p``.

* **Exact** (:func:`exact_slot_attention`): batched forward passes of the model itself (eager attention), the
  pass stopped after the last layer asked for. The prefix before the slot is the same for every candidate: it
  runs once and its key/value cache is copied into each batch (``past_key_values``), so only the tokens from
  the slot on are recomputed (models with sliding-window layers run the full prompt instead).
* **Approximate** (:func:`approx_slot_attention`), through the QK circuit: the query at the predicting position
  is captured in the clean run (after rotary); the slot's key is the key of the candidate's effective
  embedding (raw embedding for a layer-0 head, which is then exact) rotated to the slot position; every other
  key keeps its clean value. So ``score(c) = (q . rot_p(k(norm(W_E_eff[c])))) * scaling`` and the weight is
  ``sigmoid(score(c) - logsumexp(clean scores of the other keys))``. It ignores what the candidate changes in
  earlier layers at and after the slot; :func:`spearman` measures how much that matters.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from jaxtyping import Float, Int
from torch import Tensor
from transformers import DynamicCache

from rivalry.circuits.circuit import HeadCircuits, eager_attention, head_index, rotate, run_body
from rivalry.circuits.embedding import effective_embedding
from rivalry.core.hooks import Hook, main_output
from rivalry.core.sites import Site


def _cacheable(cache: DynamicCache) -> bool:
    return all(type(layer).__name__ == "DynamicLayer" for layer in cache.layers)


def exact_slot_attention(
    lm: object,
    input_ids: Int[Tensor, " seq"],
    slot: int,
    sites: Sequence[Site],
    candidates: Int[Tensor, " n"] | Sequence[int],
    batch_size: int = 64,
    use_cache: bool = True,
) -> Float[Tensor, "n site"]:
    """Attention weight from the last position to ``slot`` for each candidate token put there, per head (exact)."""
    circuits = HeadCircuits.of(lm)
    anatomy, device = circuits.anatomy, circuits.anatomy.device
    ids = torch.as_tensor(input_ids, dtype=torch.long).reshape(-1)
    cands = torch.as_tensor(candidates, dtype=torch.long).reshape(-1)
    if not 0 <= slot < ids.shape[0] - 1:
        raise ValueError("the slot must come before the predicting (last) position")
    last_layer = max(s.layer for s in sites)
    layers = sorted({s.layer for s in sites})
    out: list[Tensor] = []
    with eager_attention(lm):
        prefix = None
        if use_cache and slot > 0:
            prefix = DynamicCache(config=anatomy.model.config)
            if not _cacheable(prefix):
                prefix = None
        if prefix is not None:
            run_body(
                anatomy, [], last_layer, input_ids=ids[None, :slot].to(device), past_key_values=prefix, use_cache=True
            )
        start = slot if prefix is not None else 0
        store: dict[int, Tensor] = {}

        def keep(layer: int, output: Any) -> None:
            store[layer] = output[1][:, :, -1, slot].detach().float().cpu()

        hooks = [Hook(circuits.attention[layer], lambda m, a, k, o, layer=layer: keep(layer, o)) for layer in layers]
        for first in range(0, cands.shape[0], batch_size):
            chunk = cands[first : first + batch_size]
            rows = ids[start:].repeat(chunk.shape[0], 1)
            rows[:, slot - start] = chunk
            kwargs: dict[str, object] = {"use_cache": False}
            if prefix is not None:
                cache = copy.deepcopy(prefix)
                cache.batch_repeat_interleave(chunk.shape[0])
                kwargs = {"past_key_values": cache, "use_cache": True}
            run_body(
                anatomy,
                hooks,
                last_layer,
                input_ids=rows.to(device),
                attention_mask=torch.ones(chunk.shape[0], ids.shape[0], dtype=torch.long, device=device),
                position_ids=torch.arange(start, ids.shape[0], device=device).expand(chunk.shape[0], -1),
                **kwargs,
            )
            out.append(torch.stack([store[s.layer][:, s.head] for s in sites], dim=-1))
    return torch.cat(out)


@dataclass(frozen=True)
class ApproxSearch:
    """QK-circuit approximation of the slot attention for each candidate and head.

    Attributes:
        sites: the heads.
        candidates: the candidate token ids.
        scores: pre-softmax score of the slot key for each candidate ``[candidate, site]``.
        weights: ``sigmoid(score - other_logsumexp)``: the attention weight if only the slot's key changed.
        clean_scores: exact pre-softmax scores of the clean prompt over all positions ``[site, seq]``.
        other_logsumexp: ``logsumexp`` of the clean scores of every key but the slot ``[site]``.
    """

    sites: tuple[Site, ...]
    candidates: Int[Tensor, " n"]
    scores: Float[Tensor, "n site"]
    weights: Float[Tensor, "n site"]
    clean_scores: Float[Tensor, "site seq"]
    other_logsumexp: Float[Tensor, " site"]


def candidate_keys(
    lm: object, sites: Sequence[Site], candidates: Int[Tensor, " n"] | Sequence[int], batch_size: int = 4096
) -> dict[Site, Float[Tensor, "n d_head"]]:
    """Un-rotated key of each candidate's effective embedding for each head (raw embedding for layer-0 heads)."""
    circuits = HeadCircuits.of(lm)
    cands = torch.as_tensor(candidates, dtype=torch.long).reshape(-1)
    keys: dict[Site, list[Tensor]] = {site: [] for site in sites}
    for start in range(0, cands.shape[0], batch_size):
        chunk = cands[start : start + batch_size]
        embeddings = {t: effective_embedding(lm, chunk, through_layers=t) for t in {min(s.layer, 1) for s in sites}}
        for site in sites:
            keys[site].append(circuits.keys_of_residuals(site, embeddings[min(site.layer, 1)]))
    return {site: torch.cat(parts) for site, parts in keys.items()}


def approx_slot_attention(
    lm: object,
    input_ids: Int[Tensor, " seq"],
    slot: int,
    sites: Sequence[Site],
    candidates: Int[Tensor, " n"] | Sequence[int],
    keys: dict[Site, Tensor] | None = None,
) -> ApproxSearch:
    """Approximate slot attention of every candidate through the QK circuit (one clean forward pass).

    ``keys`` may pass :func:`candidate_keys` of the same sites and candidates (for the whole vocabulary they take
    seconds to compute; reuse them across prompts).
    """
    circuits = HeadCircuits.of(lm)
    anatomy, device = circuits.anatomy, circuits.anatomy.device
    ids = torch.as_tensor(input_ids, dtype=torch.long).reshape(-1)
    cands = torch.as_tensor(candidates, dtype=torch.long).reshape(-1)
    layers = sorted({s.layer for s in sites})
    store: dict[str, Tensor] = {}

    def rotary(layer: int, args: tuple, kwargs: dict) -> None:
        cos, sin = kwargs["position_embeddings"]
        store[f"cos{layer}"], store[f"sin{layer}"] = cos[0].float(), sin[0].float()

    hooks = []
    for layer in layers:
        hooks.append(Hook(circuits.attention[layer], lambda m, a, k, layer=layer: rotary(layer, a, k), "pre"))
        for name, module in (("q", circuits.query[layer]), ("k", circuits.key[layer])):
            hooks.append(Hook(module, lambda m, a, k, o, key=f"{name}{layer}": store.__setitem__(key, main_output(o))))
    run_body(
        anatomy,
        hooks,
        max(layers),
        input_ids=ids[None].to(device),
        attention_mask=torch.ones(1, ids.shape[0], dtype=torch.long, device=device),
        position_ids=torch.arange(ids.shape[0], device=device)[None],
        use_cache=False,
    )
    keys = keys if keys is not None else candidate_keys(lm, sites, cands)
    scores, clean, others = [], [], []
    for site in sites:
        layer, cos, sin = site.layer, store[f"cos{site.layer}"], store[f"sin{site.layer}"]
        q = rotate(circuits.split(store[f"q{layer}"][0].float())[-1, site.head], cos[-1], sin[-1])
        clean_keys = rotate(
            circuits.split(store[f"k{layer}"][0].float())[:, circuits.kv_head(head_index(site))], cos, sin
        )
        clean_scores = circuits.scores(layer, q, clean_keys)
        window = getattr(circuits.attention[layer], "sliding_window", None)
        if window:  # keys outside a sliding window (Gemma-2's local layers) are masked out
            clean_scores[: max(ids.shape[0] - window, 0)] = float("-inf")
        slot_keys = rotate(keys[site].to(cos.device), cos[slot], sin[slot])
        scores.append(circuits.scores(layer, q, slot_keys))
        clean.append(clean_scores)
        others.append(torch.cat([clean_scores[:slot], clean_scores[slot + 1 :]]).logsumexp(0))
    score = torch.stack(scores, dim=-1).cpu()
    other = torch.stack(others).cpu()
    return ApproxSearch(
        sites=tuple(sites),
        candidates=cands,
        scores=score,
        weights=torch.sigmoid(score - other),
        clean_scores=torch.stack(clean).cpu(),
        other_logsumexp=other,
    )


def spearman(x: Float[Tensor, " n"], y: Float[Tensor, " n"]) -> float:
    """Spearman rank correlation (ranks by sorting; ties broken by order, fine for continuous scores)."""
    if x.shape[0] < 2:
        return float("nan")

    def ranks(v: Tensor) -> Tensor:
        return v.double().argsort().argsort().double()

    rx, ry = ranks(x), ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    return float((rx * ry).sum() / (rx.norm() * ry.norm()))


def rank_of(weights: Float[Tensor, " n"], candidates: Int[Tensor, " n"], token_set: Sequence[int]) -> int | None:
    """1-based rank of the best-ranked token of ``token_set`` among the candidates (None if none is a candidate)."""
    inside = torch.isin(candidates, torch.as_tensor(list(token_set), dtype=torch.long))
    if not bool(inside.any()):
        return None
    best = weights[inside].max()
    return int((weights > best).sum()) + 1
