"""GPU benchmark: first-order patching (exact and certified) on random models of Llama-2-7B, Llama-3-8B and
Gemma-2-2B shapes, against plain forward passes; with the fallback rate and the device's peak memory.

Run it where a GPU is lent::

    python benchmarks/gpu_real_shapes.py --device cuda --dtype bfloat16

``--reduced N`` divides every width and the layer count by N (vocabularies kept) so that the script runs on a CPU
in seconds; the tests run it that way, so it is known to work before a GPU is at hand. Random weights measure
cost, not the certified bound's tightness (see ``real_shapes``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from real_shapes import SHAPES, random_batch, random_model, reduced  # noqa: E402

import rivalry  # noqa: E402
from rivalry.core.certified import certified_first_order_effects  # noqa: E402

GPU_SHAPES = ("llama-2-7b", "llama-3-8b", "gemma-2-2b")
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _timed(fn, device: str) -> float:
    _sync(device)
    start = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - start


def bench_shape(name: str, device: str, dtype: torch.dtype, factor: int, pairs: int, tokens: int, repeats: int):
    config = SHAPES[name] if factor == 1 else reduced(SHAPES[name], factor)
    model = random_model(config, peak=8.0, dtype=dtype, device=device)
    ids, answers = random_batch(config, pairs, tokens)
    ids = ids.to(device)
    metric = rivalry.AnswerLogOdds.from_token_sets([[int(a)] for a in answers])

    def plain() -> None:
        with torch.no_grad():
            model(input_ids=ids)

    def patch(certified: bool):
        dec = rivalry.decompose(model, ids)
        competing, target = dec.select(list(range(pairs))), dec.select(list(range(pairs, 2 * pairs)))
        if certified:
            return certified_first_order_effects(model, target, competing, metric)
        return rivalry.first_order_effects(model, target, competing, metric)

    certified = patch(True)
    patch(False)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    plain_s = min(_timed(plain, device) for _ in range(repeats))
    exact_s = min(_timed(lambda: patch(False), device) for _ in range(repeats))
    certified_s = min(_timed(lambda: patch(True), device) for _ in range(repeats))
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else float("nan")
    print(
        f"{name}{'' if factor == 1 else f' /{factor}'}: vocab {config.vocab_size}, sites {len(certified.sites)}; "
        f"plain {plain_s:.3f} s, exact {exact_s:.3f} s ({exact_s / plain_s:.2f}x), certified {certified_s:.3f} s "
        f"({certified_s / plain_s:.2f}x), fallback {certified.fallback_rate:.3f}, peak {peak:.1f} GiB"
    )
    return exact_s / plain_s, certified_s / plain_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", default="bfloat16", choices=sorted(DTYPES))
    parser.add_argument("--reduced", type=int, default=1, help="divide widths and layers by this (CPU smoke test)")
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=70)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shapes", nargs="*", default=list(GPU_SHAPES), choices=sorted(SHAPES))
    args = parser.parse_args()
    for name in args.shapes:
        bench_shape(name, args.device, DTYPES[args.dtype], args.reduced, args.pairs, args.tokens, args.repeats)


if __name__ == "__main__":
    main()
