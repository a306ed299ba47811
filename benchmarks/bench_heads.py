"""Vocabulary attention search speed on SmolLM2: candidate tokens scanned per second, exact and approximate.

Exact: batched forward passes (prefix cached, stopped after the head's layer) over a sample of candidates.
Approximate: one clean pass plus the QK circuit over every word-like vocabulary token (the candidates' keys are
computed once, as a run reuses them across prompts; that one-off cost is printed separately).
Suppression search (the attack search): one clean pass, the answer's gradient and the QK/OV arithmetic of 10
heads over every candidate; and the measured shortlist: insertions scored with real forward passes.
Prints ``vocab_search_exact_tokens_per_s``, ``vocab_search_approx_tokens_per_s``,
``suppression_search_tokens_per_s`` (10 heads) and ``measured_insertions_per_s``.
"""

from __future__ import annotations

import time

import torch

import rivalry
from rivalry.circuits.attack import score_prompts
from rivalry.circuits.attack_search import word_candidates
from rivalry.circuits.attention import forbidden_word_span
from rivalry.circuits.search import approx_slot_attention, candidate_keys, exact_slot_attention
from rivalry.circuits.suppression_search import candidate_vectors, slot_suppression
from rivalry.core.sites import Site
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.experiments.forbidden_facts.prompts import PAPER_SYSTEM_TEMPLATE, build_fact_prompts
from rivalry.facts.dataset import load_facts, load_irrelevant_words

EXACT_CANDIDATES = 64
SUPPRESSION_HEADS = [Site(layer, "head", head) for layer in (23, 24, 29) for head in (1, 3, 4)] + [Site(20, "head", 0)]
MEASURED_INSERTIONS = 32


def main() -> None:
    lm = rivalry.load_model("smollm2")
    fact = load_facts()[0]
    prompts = build_fact_prompts(lm.tokenizer, fact, load_irrelevant_words())
    word = prompts.irrelevant_word
    text = prompts.nc_irrelevant
    slot = forbidden_word_span(lm.tokenizer, text, word, PAPER_SYSTEM_TEMPLATE.format(word=word))[0]
    ids = torch.tensor(lm.tokenizer(text, add_special_tokens=False)["input_ids"])
    site = [Site(20, "head", 0)]
    candidates = word_candidates(VocabularyIndex(lm.tokenizer))
    start = time.perf_counter()
    keys = candidate_keys(lm, site, candidates)
    keys_s = time.perf_counter() - start
    start = time.perf_counter()
    approx_slot_attention(lm, ids, slot, site, candidates, keys)
    approx_s = time.perf_counter() - start
    start = time.perf_counter()
    exact_slot_attention(lm, ids, slot, site, candidates[:EXACT_CANDIDATES], batch_size=32)
    exact_s = time.perf_counter() - start
    vectors = candidate_vectors(lm, SUPPRESSION_HEADS, candidates)
    answer = VocabularyIndex(lm.tokenizer).token_set(fact.answer)
    start = time.perf_counter()
    slot_suppression(lm, ids, slot, answer, vectors)
    suppression_s = time.perf_counter() - start
    words = [lm.tokenizer.decode([int(c)]).strip() for c in candidates[:MEASURED_INSERTIONS]]
    texts = [text.replace(f" {word}.", f" {w}.") for w in words]
    start = time.perf_counter()
    score_prompts(lm, texts, [answer] * len(texts), batch_size=16)
    measured_s = time.perf_counter() - start
    print(f"prompt_tokens: {ids.shape[0]}  slot: {slot}  head: {site[0].label}  candidates: {candidates.shape[0]}")
    print(f"candidate_keys_s: {keys_s:.2f}")
    print(f"vocab_search_exact_tokens_per_s: {EXACT_CANDIDATES / exact_s:.1f}")
    print(f"vocab_search_approx_tokens_per_s: {candidates.shape[0] / approx_s:.1f}")
    print(f"suppression_search_tokens_per_s: {candidates.shape[0] / suppression_s:.1f}")
    print(f"measured_insertions_per_s: {MEASURED_INSERTIONS / measured_s:.2f}")


if __name__ == "__main__":
    main()
