"""Settings of a forbidden-facts run."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Literal

from rivalry.errors import RivalryError
from rivalry.forbidden.prompts import PAPER_SYSTEM_TEMPLATE

PromptFormat = Literal["question", "prefill"]


@dataclass(frozen=True)
class ForbiddenFactsConfig:
    """Everything that determines a run's results (and so must match when a run is resumed).

    Attributes:
        model: model name or path, as given to ``load_model``.
        facts: a CSV/JSONL file of facts, or None for the shipped dataset.
        split: "all", "train" or "heldout" (the obedience-tuning split).
        prompt_format: "question" (the fact prefix is the user turn, as in the paper) or "prefill" (the user
            asks to complete the sentence and the assistant turn already starts with the prefix).
        limit: use only the first ``limit`` facts of the split (None: all).
        batch_size: facts per batch (each fact is three prompts).
        min_nc_probability: keep facts whose mean non-competing p(answer) exceeds this (the paper's 0.5).
        system_template: system prompt with ``{word}`` for the forbidden word.
        joint_facts: how many kept facts the joint-patching check uses.
        adapter: a LoRA adapter merged into the model, if any (recorded so a resume cannot mix models).
        joint_ks: sizes of top-k site sets for the joint check (the 80/90/100% k's are added).
    """

    model: str = "smollm2"
    facts: str | None = None
    split: str = "all"
    prompt_format: PromptFormat = "prefill"
    limit: int | None = None
    batch_size: int = 16
    min_nc_probability: float = 0.5
    system_template: str = PAPER_SYSTEM_TEMPLATE
    joint_facts: int = 24
    adapter: str | None = None
    joint_ks: tuple[int, ...] = field(default=(1, 3, 10, 30, 100))

    def __post_init__(self) -> None:
        if self.prompt_format not in ("question", "prefill"):
            raise RivalryError(f"unknown prompt format '{self.prompt_format}'; choose question or prefill")
        if self.batch_size < 1:
            raise RivalryError("batch size must be at least 1")
        if self.limit is not None and self.limit < 1:
            raise RivalryError("limit must be at least 1")
        if not 0.0 <= self.min_nc_probability < 1.0:
            raise RivalryError("min_nc_probability must be in [0, 1)")
        if "{word}" not in self.system_template:
            raise RivalryError("the system template must contain {word}")

    def check_inputs(self) -> None:
        """Read the facts file now, so a malformed one fails before a model is loaded."""
        from rivalry.facts.dataset import load_facts, select_split

        select_split(load_facts(self.facts), self.split)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["joint_ks"] = list(self.joint_ks)
        return data

    def fingerprint(self) -> str:
        """Hash of the settings that change results (batch size included: it changes padding)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]
