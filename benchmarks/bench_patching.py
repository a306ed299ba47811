"""Benchmark: exact first-order patching of every site against plain forward passes, on SmolLM2.

16 competing / non-competing prompt pairs of the Forbidden Facts kind (prefill format, about 70 tokens each)
go through the model as one batch of 32. "plain" is what a user runs anyway (one forward pass with logits);
"rivalry" is a full first-order patching of all 301 sites for the 16 pairs, its forward pass included.
Both are timed alternately, best of ``REPEATS``, so the ratio is measured in one run on one machine.
"""

from __future__ import annotations

import statistics
import time

import torch

import rivalry
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.experiments.forbidden_facts.prompts import build_fact_prompts
from rivalry.facts import load_facts, load_irrelevant_words
from rivalry.prompts.chat import encode_batch

PAIRS = 16
REPEATS = 3


def forbidden_fact_batch(lm):
    vocab = VocabularyIndex(lm.tokenizer)
    facts = [f for f in load_facts() if vocab.token_set(f.answer)][:PAIRS]
    words = load_irrelevant_words()
    prompts = [build_fact_prompts(lm.tokenizer, f, words, "prefill") for f in facts]
    texts = [p.competing for p in prompts] + [p.nc_irrelevant for p in prompts]
    return encode_batch(lm.tokenizer, texts), [vocab.token_set(f.answer) for f in facts]


def plain_forward(lm, batch) -> None:
    with torch.no_grad():
        lm.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])


def first_order_all_sites(lm, batch, answer_sets) -> rivalry.SiteEffects:
    dec = rivalry.decompose(lm, batch["input_ids"], batch["attention_mask"])
    competing, non_competing = dec.select(list(range(PAIRS))), dec.select(list(range(PAIRS, 2 * PAIRS)))
    metric = rivalry.AnswerLogOdds.from_token_sets(answer_sets)
    return rivalry.first_order_effects(lm, target=non_competing, source=competing, metric=metric)


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    lm = rivalry.load_model("smollm2")
    batch, answer_sets = forbidden_fact_batch(lm)
    lengths = batch["attention_mask"].sum(-1).float()
    effects = first_order_all_sites(lm, batch, answer_sets)  # warm-up
    plain_forward(lm, batch)
    plain, ours = [], []
    for _ in range(REPEATS):
        plain.append(timed(plain_forward, lm, batch))
        ours.append(timed(first_order_all_sites, lm, batch, answer_sets))
    print(
        f"model: smollm2   pairs: {PAIRS}   prompts: {2 * PAIRS}   tokens per prompt: "
        f"{lengths.mean():.0f} (min {lengths.min():.0f}, max {lengths.max():.0f})   torch threads: "
        f"{torch.get_num_threads()}"
    )
    print(f"sites patched per pair: {len(effects.sites)}   readouts: {len(effects.sites) * PAIRS}")
    print(f"plain forward passes:               best {min(plain):.2f} s   median {statistics.median(plain):.2f} s")
    print(f"exact first-order patching (all):   best {min(ours):.2f} s   median {statistics.median(ours):.2f} s")
    print(f"first_order_vs_forward_ratio: {min(ours) / min(plain):.2f}")


if __name__ == "__main__":
    main()
