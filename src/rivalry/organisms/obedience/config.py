"""Settings of an obedience-tuning run (LoRA supervised fine-tuning of a chat model)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from rivalry.errors import RivalryError

Case = Literal["competing", "nc_wrong", "nc_irrelevant"]
CASES: tuple[Case, ...] = ("competing", "nc_wrong", "nc_irrelevant")
DEFAULT_TARGET_MODULES: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class TuneConfig:
    """Everything that determines a tuning run.

    Attributes:
        model: base model, as given to ``load_model`` (a named model, directory or hub id).
        steps: optimiser steps.
        batch_size: examples per step.
        learning_rate: peak AdamW learning rate (linear warm-up, then linear decay to 10%).
        warmup_steps: steps of linear warm-up.
        weight_decay: AdamW weight decay on the LoRA weights.
        max_grad_norm: gradient clipping norm.
        lora_rank: LoRA rank ``r``.
        lora_alpha: LoRA scale numerator (the update is ``alpha / r * B A``).
        lora_dropout: dropout on the LoRA input.
        target_modules: names of the linear layers that get LoRA (attention and MLP projections).
        lora_layers: the blocks that get LoRA (None: all). Leaving the early blocks frozen also stops the
            backward pass there, which roughly halves the cost of a step on CPU.
        unlikelihood_weight: weight of the ``-log(1 - p(forbidden word))`` term added to the cross-entropy.
        seed: seed of torch, python's random, the LoRA initialisation and the data order.
        heldout_fraction: fraction of each relation held out (``split_facts``).
        split_seed: seed of the fact split (``split_facts``).
        heldout_templates: indices into ``SYSTEM_TEMPLATES`` held out of training.
        fact_limit: use only the first ``fact_limit`` training facts (None: all; for smoke tests).
        prompt_format: the prompt format trained on (the assistant turn starts with the fact prefix).
        num_threads: torch CPU threads (None: torch's default).
    """

    model: str = "smollm2"
    steps: int = 80
    batch_size: int = 8
    learning_rate: float = 2e-3
    warmup_steps: int = 5
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    lora_rank: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.0
    target_modules: tuple[str, ...] = DEFAULT_TARGET_MODULES
    lora_layers: tuple[int, ...] | None = None
    unlikelihood_weight: float = 1.0
    seed: int = 0
    heldout_fraction: float = 0.3
    split_seed: int = 0
    heldout_templates: tuple[int, ...] = (0, 7)
    fact_limit: int | None = None
    prompt_format: Literal["prefill"] = "prefill"
    num_threads: int | None = 2

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch_size < 1:
            raise RivalryError("steps and batch size must be at least 1")
        if self.learning_rate <= 0:
            raise RivalryError("the learning rate must be positive")
        if self.lora_rank < 1:
            raise RivalryError("the LoRA rank must be at least 1")
        if not 0.0 < self.heldout_fraction < 1.0:
            raise RivalryError("heldout_fraction must be in (0, 1)")
        if self.unlikelihood_weight < 0:
            raise RivalryError("unlikelihood_weight must be non-negative")
        if self.fact_limit is not None and self.fact_limit < 1:
            raise RivalryError("fact_limit must be at least 1")
        if self.prompt_format != "prefill":
            raise RivalryError("obedience tuning trains on the prefill format only")
        if self.lora_layers is not None and (not self.lora_layers or min(self.lora_layers) < 0):
            raise RivalryError("lora_layers must be None or non-negative block indices")
        if not self.target_modules:
            raise RivalryError("name at least one target module for LoRA")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["target_modules"] = list(self.target_modules)
        data["heldout_templates"] = list(self.heldout_templates)
        data["lora_layers"] = None if self.lora_layers is None else list(self.lora_layers)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TuneConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise RivalryError(f"unknown tuning setting(s): {', '.join(unknown)}")
        values = dict(data)
        for key in ("target_modules", "heldout_templates", "lora_layers"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        return cls(**values)
