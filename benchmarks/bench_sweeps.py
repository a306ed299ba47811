"""Benchmark: one forbidden-facts run split over 2 Ray workers against the same run on 1 worker.

Both go through the same local Ray cluster (2 CPUs, one single-threaded actor per CPU), so the ratio measures the
split alone: each worker computes every other batch into the run's store, then one worker reads them back and
finishes the run (joint check included). Models are loaded inside the workers in both, and are part of the time.
Printed: ``sweep_split_speedup_2_workers`` (time on 1 worker / time on 2), and both times.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import ray

from rivalry.sweeps import parse_sweep, run_sweep

FACTS = 32
BATCH = 4


def _spec(shards: int):
    return parse_sweep(
        {
            "models": {"smollm2": "smollm2"},
            "experiments": [
                {
                    "experiment": "forbidden_facts",
                    "config": {"limit": FACTS, "batch_size": BATCH, "joint_facts": 4, "joint_ks": [1]},
                    "shards": shards,
                }
            ],
        }
    )


def _timed(shards: int, workers: int, root: Path) -> float:
    start = time.perf_counter()
    outcome = run_sweep(_spec(shards), root / f"w{workers}", ray_address="auto", progress=False, workers=workers)
    seconds = time.perf_counter() - start
    assert outcome.finished == 1, outcome.statuses
    return seconds


def main() -> None:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=80 * 1024**2)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            one = _timed(1, 1, Path(tmp))
            two = _timed(2, 2, Path(tmp))
    finally:
        ray.shutdown()
    print(f"facts: {FACTS}  batches: {FACTS // BATCH}  one_worker_s: {one:.1f}  two_workers_s: {two:.1f}")
    print(f"sweep_split_speedup_2_workers: {one / two:.2f}")


if __name__ == "__main__":
    main()
