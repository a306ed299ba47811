"""Benchmark: first-order patching at a 128k vocabulary, exact and certified, on a random Llama-3.2-1B shape.

A randomly initialised model with Llama-3.2-1B's shape (d_model 2048, 16 layers, 32 heads, 128,256 tokens; no
download), its final norm's gain scaled by ``PEAK`` so that next-token distributions are peaked the way a trained
chat model's are on factual prompts. ``PAIRS`` competing / non-competing pairs of ``TOKENS`` tokens. "plain" is one
forward pass with logits at every position; "patching" decomposes both runs and patches all 529 sites, exactly
(full-vocabulary readouts) or certified (candidate tokens plus a bound on the rest, exact fallback above 1e-4
log10). Timed alternately, best of ``REPEATS``. Random weights measure cost, not the bound's tightness.

Then the memory: the patching step run in a fresh process under a budget and under half of it, with the
process's resident memory sampled during the step: ``peak_mb`` is the largest increase over the memory before it.

Printed: ``first_order_large_vocab_ratio`` (certified / plain), the exact ratio, the fallback rate, the largest
bound, and the peak memory under each budget.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from real_shapes import SHAPES, random_batch, random_model  # noqa: E402

import rivalry  # noqa: E402
from rivalry.core.certified import certified_first_order_effects  # noqa: E402

SHAPE = "llama-3.2-1b"
PEAK = 16.0
PAIRS = 4
TOKENS = 64
REPEATS = 2
BUDGET_MB = 512.0


def _setup(shape: str = SHAPE, pairs: int = PAIRS, tokens: int = TOKENS, peak: float = PEAK):
    config = SHAPES[shape]
    model = random_model(config, peak=peak)
    ids, answers = random_batch(config, pairs, tokens)
    metric = rivalry.AnswerLogOdds.from_token_sets([[int(a)] for a in answers])
    return model, ids, metric, pairs


def plain(model, ids) -> None:
    with torch.no_grad():
        model(input_ids=ids)


def patching(model, ids, metric, pairs, certified: bool, max_memory_mb: float | None = None):
    dec = rivalry.decompose(model, ids)
    competing, non_competing = dec.select(list(range(pairs))), dec.select(list(range(pairs, 2 * pairs)))
    if certified:
        return certified_first_order_effects(model, non_competing, competing, metric, max_memory_mb=max_memory_mb)
    return rivalry.first_order_effects(model, non_competing, competing, metric, max_memory_mb=max_memory_mb)


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_during(fn) -> float:
    """Largest resident-memory increase (MB) while ``fn`` runs, sampled every millisecond."""
    before, peak, done = _rss_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb() - before)
            time.sleep(0.001)

    thread = threading.Thread(target=sample)
    thread.start()
    try:
        fn()
    finally:
        done.set()
        thread.join()
    return peak[0]


def memory_child(budget: float, shape: str, pairs: int, tokens: int, certified: bool) -> None:
    model, ids, metric, pairs = _setup(shape, pairs, tokens)
    dec = rivalry.decompose(model, ids)
    competing, non_competing = dec.select(list(range(pairs))), dec.select(list(range(pairs, 2 * pairs)))

    def step() -> None:
        if certified:
            certified_first_order_effects(model, non_competing, competing, metric, tolerance=0.0, max_memory_mb=budget)
        else:
            rivalry.first_order_effects(model, non_competing, competing, metric, max_memory_mb=budget)

    _release_free_memory()  # so that reusing memory the forward pass freed shows as growth, not as nothing
    print(json.dumps({"peak_mb": peak_during(step)}))


def _release_free_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``; a no-op elsewhere)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name:
        libc = ctypes.CDLL(name)
        if hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)


def measure_memory(budget: float, shape: str, pairs: int, tokens: int) -> float:
    command = [sys.executable, __file__, "--memory-child", str(budget), "--shape", shape]
    command += ["--pairs", str(pairs), "--tokens", str(tokens)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return float(json.loads(out.strip().splitlines()[-1])["peak_mb"])


def main(shape: str, pairs: int, tokens: int, repeats: int, budget: float) -> None:
    model, ids, metric, pairs = _setup(shape, pairs, tokens)
    exact = patching(model, ids, metric, pairs, certified=False)  # warm-up, and the reference
    certified = patching(model, ids, metric, pairs, certified=True)
    error = float((certified.effects - exact.effects).abs().max())
    plain_s, exact_s, certified_s = [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        plain(model, ids)
        plain_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        patching(model, ids, metric, pairs, certified=False)
        exact_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        patching(model, ids, metric, pairs, certified=True)
        certified_s.append(time.perf_counter() - start)
    print(
        f"shape: {shape}  vocab: {model.config.vocab_size}  sites: {len(exact.sites)}  pairs: {pairs}  "
        f"tokens: {tokens}  threads: {torch.get_num_threads()}"
    )
    print(f"plain_s: {min(plain_s):.2f}  exact_s: {min(exact_s):.2f}  certified_s: {min(certified_s):.2f}")
    with torch.no_grad():
        last = model(input_ids=ids[pairs:]).logits[:, -1]
    probs = last.float().softmax(-1).sort(-1, descending=True).values
    print(
        f"unpatched rows: median top-1 probability {probs[:, 0].median():.3f}, median mass beyond the top 64 "
        f"{probs[:, 64:].sum(-1).median():.2e}"
    )
    print(
        f"fallback_rate: {certified.fallback_rate:.3f}  max_bound_log10: {certified.max_bound:.2e}  "
        f"max_error_vs_exact: {error:.2e}"
    )
    print(f"first_order_exact_large_vocab_ratio: {min(exact_s) / min(plain_s):.2f}")
    print(f"first_order_large_vocab_ratio: {min(certified_s) / min(plain_s):.2f}")
    del model
    for mb in (budget, budget / 2):
        print(f"patching_peak_mb_at_budget_{mb:.0f}: {measure_memory(mb, shape, pairs, tokens):.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default=SHAPE, choices=sorted(SHAPES))
    parser.add_argument("--pairs", type=int, default=PAIRS)
    parser.add_argument("--tokens", type=int, default=TOKENS)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--budget-mb", type=float, default=BUDGET_MB)
    parser.add_argument("--memory-child", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child is not None:
        memory_child(args.memory_child, args.shape, args.pairs, args.tokens, certified=False)
    else:
        main(args.shape, args.pairs, args.tokens, args.repeats, args.budget_mb)
