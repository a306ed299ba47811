"""Attribution patching cost on SmolLM2: every site at every position of a batch against plain forward passes.

A batch of forbidden-facts prompts (competing and non-competing, same token layout) is scored by AtP over every
head, MLP and embedding at every position (one source pass, one traced target pass, one backward pass), with and
without the AtP* QK fix. The reference is the plain forward passes of both runs (no gradients). The activation
patching it replaces (one patched forward pass per node, batched) is timed on a sample of nodes and scaled to all.
Prints ``attribution_vs_forward_ratio`` (with the QK fix; target <= 3.5), ``attribution_no_qk_vs_forward_ratio``,
``activation_patching_s_estimated`` and ``activation_patching_vs_attribution``. Best of ``REPEATS`` runs each.
"""

from __future__ import annotations

import time

import torch

import rivalry
from rivalry.attribution import SitePosition, attribution_patching, model_sites, patch_nodes
from rivalry.attribution.attention_access import AttentionAccess
from rivalry.attribution.trace import trace
from rivalry.core.metrics import AnswerLogOdds
from rivalry.core.positions import position_ids_from_mask
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.experiments.forbidden_facts.prompts import build_fact_prompts
from rivalry.facts.dataset import load_facts, load_irrelevant_words
from rivalry.prompts.chat import encode_batch

BATCH = 8
REPEATS = 2
SAMPLE_NODES = 64


def _best(fn) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    lm = rivalry.load_model("smollm2")
    tokenizer, anatomy = lm.tokenizer, lm.anatomy
    vocab = VocabularyIndex(tokenizer, anatomy.vocab_size)
    words = load_irrelevant_words()
    pairs = []
    for fact in load_facts():
        prompts = build_fact_prompts(tokenizer, fact, words)
        same = len(tokenizer(prompts.competing)["input_ids"]) == len(tokenizer(prompts.nc_irrelevant)["input_ids"])
        if same and vocab.token_set(fact.answer):
            pairs.append((prompts, vocab.token_set(fact.answer)))
        if len(pairs) == BATCH:
            break
    source = encode_batch(tokenizer, [p.competing for p, _ in pairs])
    target = encode_batch(tokenizer, [p.nc_irrelevant for p, _ in pairs])
    metric = AnswerLogOdds.from_token_sets([s for _, s in pairs])

    def forward(batch) -> None:
        with torch.no_grad():
            anatomy.model.base_model(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                position_ids=position_ids_from_mask(batch["attention_mask"]), use_cache=False,
            )  # fmt: skip

    def atp(qk_fix: bool) -> None:
        attribution_patching(
            lm, target["input_ids"], target["attention_mask"], source["input_ids"], source["attention_mask"], metric,
            qk_fix=qk_fix,
        )  # fmt: skip

    forward_s = _best(lambda: (forward(source), forward(target)))
    atp_s = _best(lambda: atp(False))
    atp_qk_s = _best(lambda: atp(True))
    access = AttentionAccess.of(lm)
    nodes = trace(access, source["input_ids"][:1], source["attention_mask"][:1])
    sites = [s for s in model_sites(anatomy) if s.kind in ("embed", "head", "mlp")]
    seq = int(target["attention_mask"][0].sum())
    pad = target["input_ids"].shape[1] - seq
    generator = torch.Generator().manual_seed(0)
    sample = [
        SitePosition(sites[int(i) % len(sites)], int(i) // len(sites))
        for i in torch.randperm(len(sites) * seq, generator=generator)[:SAMPLE_NODES]
    ]
    ids, mask = target["input_ids"][0, pad:], target["attention_mask"][0, pad:]
    nodes = trace(access, source["input_ids"][:1, pad:], source["attention_mask"][:1, pad:])
    start = time.perf_counter()
    patch_nodes(access, ids, mask, nodes, 0, sample, metric, 0)
    per_node = (time.perf_counter() - start) / SAMPLE_NODES
    n_nodes = len(sites) * int(target["attention_mask"].sum())
    patching_s = per_node * n_nodes
    print(f"batch: {BATCH} prompt pairs of {target['input_ids'].shape[1]} tokens, {n_nodes} (site, position) nodes")
    print(f"forward_both_runs_s {forward_s:.3f}")
    print(f"attribution_s {atp_qk_s:.3f} (QK fix), {atp_s:.3f} (plain)")
    print(f"attribution_vs_forward_ratio {atp_qk_s / forward_s:.2f}")
    print(f"attribution_no_qk_vs_forward_ratio {atp_s / forward_s:.2f}")
    print(f"activation_patching_s_estimated {patching_s:.1f} ({per_node * 1e3:.1f} ms per node)")
    print(f"activation_patching_vs_attribution {patching_s / atp_qk_s:.0f}")


if __name__ == "__main__":
    main()
