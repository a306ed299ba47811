"""Settings of an obedience evaluation (base vs obedience-tuned model on held-out facts and system prompts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig
from rivalry.io import read_json

PromptFormat = Literal["prefill", "question"]
TRAINING_RECORD = "training_config.json"


@dataclass(frozen=True)
class ObedienceEvalConfig(ExperimentConfig):
    """Which held-out facts and prompts to measure base and tuned on, and the target to check.

    Attributes:
        formats: prompt formats to measure (prefill: the assistant turn starts with the fact's prefix; question:
            the user asks and the assistant answers from scratch).
        max_facts: use N evenly spaced held-out facts (None: all).
        batch_size: facts per forward batch.
        min_nc_probability: keep a fact when its mean non-competing p(answer) exceeds this (the paper's filter).
        heldout_fraction: the fact split the adapter was trained with (``split_facts``).
        split_seed: seed of that split.
        heldout_templates: indices into ``SYSTEM_TEMPLATES`` held out of training (the paper's template, index 0,
            is always measured).
        target_effect: the target mean total effect (log10 odds) of the tuned model: at most this.
        target_accuracy_ratio: the target nc accuracy of the tuned model: at least this times the base model's.
    """

    formats: tuple[PromptFormat, ...] = ("prefill", "question")
    max_facts: int | None = None
    batch_size: int = 16
    min_nc_probability: float = 0.5
    heldout_fraction: float = 0.3
    split_seed: int = 0
    heldout_templates: tuple[int, ...] = (0, 7)
    target_effect: float = -3.0
    target_accuracy_ratio: float = 0.9

    def __post_init__(self) -> None:
        if not self.formats:
            raise RivalryError("name at least one prompt format (prefill, question)")
        if len(set(self.formats)) != len(self.formats):
            raise RivalryError(f"formats listed twice: {', '.join(self.formats)}")
        bad = [f for f in self.formats if f not in ("prefill", "question")]
        if bad:
            raise RivalryError(f"unknown prompt format(s) {', '.join(bad)}; choose prefill or question")
        if self.max_facts is not None and self.max_facts < 1:
            raise RivalryError("max_facts must be at least 1 (or None for all)")
        if self.batch_size < 1:
            raise RivalryError("batch_size must be at least 1")
        if not 0.0 <= self.min_nc_probability < 1.0:
            raise RivalryError("min_nc_probability must be in [0, 1)")
        if not 0.0 < self.heldout_fraction < 1.0:
            raise RivalryError("heldout_fraction must be in (0, 1)")
        if any(i < 0 for i in self.heldout_templates):
            raise RivalryError("heldout_templates must be non-negative indices into SYSTEM_TEMPLATES")
        if self.target_accuracy_ratio < 0:
            raise RivalryError("target_accuracy_ratio must be non-negative")


def adapter_settings(adapter_dir: str | Path) -> tuple[dict[str, Any], str | None]:
    """The split settings an adapter was trained with, and its base model's name, from its training record.

    Reads ``training_config.json`` as ``rivalry tune`` writes it (this version's and earlier ones'), and checks
    that the facts and system templates shipped now give the same held-out facts and templates; a mismatch is one
    clear error rather than an evaluation on facts the adapter may have seen.
    """
    from rivalry.facts.dataset import load_facts, split_facts
    from rivalry.organisms.obedience.paraphrases import SYSTEM_TEMPLATES, paraphrase_split

    root = Path(adapter_dir)
    path = root / TRAINING_RECORD
    if not path.is_file():
        raise RivalryError(f"'{root}' has no {TRAINING_RECORD} (not a `rivalry tune` run)")
    record = read_json(path, "training record")
    try:
        split, paraphrases = record["fact_split"], record["paraphrases"]
        fraction, seed = float(split["heldout_fraction"]), int(split["seed"])
        indices = tuple(int(i) for i in paraphrases["heldout_indices"])
        heldout_ids, heldout_texts = list(split["heldout_ids"]), list(paraphrases["heldout"])
        base = record.get("base_model") or record.get("config", {}).get("model")
    except (KeyError, TypeError, ValueError, AttributeError):
        raise RivalryError(f"{path} is not a training record of `rivalry tune` (fact_split, paraphrases)") from None
    now = split_facts(load_facts(), fraction, seed)
    if [f.fact_id for f in now.heldout] != heldout_ids:
        raise RivalryError(f"the held-out facts of {path} differ from the split of today's facts file; "
                           "evaluate with the facts the adapter was trained with")  # fmt: skip
    if list(paraphrase_split(SYSTEM_TEMPLATES, indices).heldout) != heldout_texts:
        raise RivalryError(f"the held-out system templates of {path} differ from today's SYSTEM_TEMPLATES")
    settings = {"heldout_fraction": fraction, "split_seed": seed, "heldout_templates": indices}
    return settings, str(base) if base else None
