"""Settings of a ``rivalry heads`` run."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig
from rivalry.experiments.forbidden_facts.config import Split
from rivalry.io.hashing import sha256_bytes


def shipped_input_hashes() -> dict[str, str | None]:
    """Content hashes of the shipped facts and irrelevant words (the prompts are built from them)."""
    data = resources.files("rivalry") / "data"
    return {
        "facts": sha256_bytes((data / "facts.jsonl").read_bytes()),
        "irrelevant_words": sha256_bytes((data / "irrelevant_words.txt").read_bytes()),
    }


@dataclass(frozen=True)
class HeadsConfig(ExperimentConfig):
    """Which facts measure the heads, and how many top heads to study in detail.

    Attributes:
        split: facts of the obedience-tuning split (their prefill forbidden-facts prompts): all, train or heldout.
        limit: facts for the attention measurement (the first N of the split; None: all).
        n_top: number of top heads studied in detail.
        batch_size: prompts per batch.
    """

    split: Split = "all"
    limit: int | None = 32
    n_top: int = 10
    batch_size: int = 8

    def __post_init__(self) -> None:
        if self.split not in ("all", "train", "heldout"):
            raise RivalryError(f"unknown split '{self.split}'; choose all, train or heldout")
        if self.n_top < 1 or self.batch_size < 1 or (self.limit is not None and self.limit < 1):
            raise RivalryError("--top, --batch-size and --limit must be at least 1")

    def input_hashes(self) -> dict[str, str | None]:
        return shipped_input_hashes()
