"""What every LoRA tune rivalry makes shares: a seeded draw that leaves the caller's random streams alone, the
learning-rate schedule, adapter files whose bytes do not depend on hash seeds, and the library versions on record."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import torch

from rivalry.io.atomic import write_atomically


class Schedule(Protocol):
    """Any config with a warm-up and a step count (the obedience and persona tunes' configs)."""

    @property
    def warmup_steps(self) -> int: ...

    @property
    def steps(self) -> int: ...


@contextlib.contextmanager
def seeded_torch(seed: int, device: torch.device) -> Iterator[None]:
    """Run the block with torch's CPU generator (and ``device``'s, if CUDA) seeded to ``seed``; their states are
    put back afterwards, so the caller's random streams are untouched.

    peft draws the LoRA initialisation from the global generator, so a fork of it is how the draw gets a seed.
    """
    cuda = [device.index if device.index is not None else torch.cuda.current_device()] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.random.default_generator.manual_seed(seed)
        for index in cuda:
            torch.cuda.default_generators[index].manual_seed(seed)
        yield


def lr_factor(step: int, config: Schedule) -> float:
    """Linear warm-up to 1, then linear decay to 0.1 at the last step."""
    if step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    span = max(1, config.steps - config.warmup_steps)
    return 1.0 - 0.9 * min(1.0, (step - config.warmup_steps) / span)


def sort_target_modules(path: Path) -> None:
    """peft writes ``target_modules`` in set order, which varies with ``PYTHONHASHSEED``; sorted, equal adapters
    get equal files and so equal content hashes."""
    record = json.loads(path.read_text())
    if isinstance(record.get("target_modules"), list):
        record["target_modules"] = sorted(record["target_modules"])
        write_atomically(path, json.dumps(record, indent=2, sort_keys=True, allow_nan=False).encode("utf-8"))


def library_versions(method: str = "sft") -> dict[str, str]:
    """torch, transformers and peft versions (and trl's for a DPO tune): what a bit-for-bit rerun needs."""
    import peft
    import transformers

    versions = {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__}
    if method == "dpo":
        from importlib.metadata import version

        versions["trl"] = version("trl")
    return versions
