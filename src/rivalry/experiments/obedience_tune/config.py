"""Settings of an obedience-tuning run (LoRA fine-tuning of a chat model: supervised, or DPO through TRL).

The base model is not a setting: it is the :class:`rivalry.Model` given to ``run``, whose provenance the result
records. Threads are not a setting either: the CLI sets them around the run (``rivalry.cli.runtime.torch_threads``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig

DEFAULT_TARGET_MODULES: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
FactSet = Literal["v1", "v2"]
TuneFormat = Literal["prefill", "question", "both"]
TuneMethod = Literal["sft", "dpo"]
TunePenalty = Literal["log1m", "hinge"]


@dataclass(frozen=True)
class ObedienceTuneConfig(ExperimentConfig):
    """Everything that determines a tuning run besides the base model.

    Attributes:
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
        unlikelihood_weight: weight of the penalty on the forbidden word added to the cross-entropy.
        penalty: the penalty on ``p``, the forbidden word's probability: log1m (unlikelihood, ``-log(1 - p)``,
            fading as ``p`` falls) or hinge (``max(0, log p - log floor)``, whole until ``p`` is below the floor).
        floor_log10: the hinge penalty's floor, log10 of a probability (-4: push the word below 1e-4).
        seed: seed of the LoRA initialisation (a forked torch generator), the irrelevant words and the data order.
        heldout_fraction: fraction of each relation held out (``split_facts``).
        split_seed: seed of the fact split (``split_facts``).
        heldout_templates: indices into ``SYSTEM_TEMPLATES`` held out of training.
        fact_limit: use only the first ``fact_limit`` training facts of each fact set (None: all; for smoke tests).
        prompt_format: the prompt format(s) trained on: prefill (the assistant turn starts with the fact prefix),
            question (the fact is the user turn, the paper's format) or both.
        fact_sets: the shipped fact sets trained on: v1 (its training split) and/or v2 (the training split of its
            trained relation types; the held-out relation types are never seen).
        method: sft (cross-entropy plus unlikelihood on the next token) or dpo (TRL's DPOTrainer on preference
            pairs: chosen the obeying answer, rejected the forbidden word or a refusal).
        dpo_beta: DPO's beta (the strength of the pull towards the reference model, the base).
        dpo_sft_weight: weight of a supervised term (TRL's ``sft`` loss: the chosen completion's negative
            log-likelihood) added to the DPO loss, as in RPO; 0: pure DPO.
    """

    # added after the first adapters were shipped: at their defaults they leave old fingerprints as they were
    late_fields = ("penalty", "floor_log10", "dpo_sft_weight")

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
    prompt_format: TuneFormat = "prefill"
    fact_sets: tuple[FactSet, ...] = ("v1",)
    method: TuneMethod = "sft"
    dpo_beta: float = 0.1
    penalty: TunePenalty = "log1m"
    floor_log10: float = -4.0
    dpo_sft_weight: float = 0.0

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch_size < 1:
            raise RivalryError("steps and batch size must be at least 1")
        if self.learning_rate <= 0:
            raise RivalryError("the learning rate must be positive")
        if self.warmup_steps < 0:
            raise RivalryError("warmup_steps must be non-negative")
        if self.lora_rank < 1:
            raise RivalryError("the LoRA rank must be at least 1")
        if not 0.0 <= self.lora_dropout < 1.0:
            raise RivalryError("lora_dropout must be in [0, 1)")
        if not 0.0 < self.heldout_fraction < 1.0:
            raise RivalryError("heldout_fraction must be in (0, 1)")
        if self.unlikelihood_weight < 0:
            raise RivalryError("unlikelihood_weight must be non-negative")
        if self.fact_limit is not None and self.fact_limit < 1:
            raise RivalryError("fact_limit must be at least 1")
        if self.prompt_format not in ("prefill", "question", "both"):
            raise RivalryError(f"unknown prompt format '{self.prompt_format}'; choose prefill, question or both")
        if not self.fact_sets or any(s not in ("v1", "v2") for s in self.fact_sets):
            raise RivalryError("fact_sets must name v1 and/or v2")
        if len(set(self.fact_sets)) != len(self.fact_sets):
            raise RivalryError("fact_sets must not repeat a set")
        if self.method not in ("sft", "dpo"):
            raise RivalryError(f"unknown method '{self.method}'; choose sft or dpo")
        if self.dpo_beta <= 0:
            raise RivalryError("dpo_beta must be positive")
        if self.penalty not in ("log1m", "hinge"):
            raise RivalryError(f"unknown penalty '{self.penalty}'; choose log1m or hinge")
        if not -30.0 <= self.floor_log10 < 0.0:
            raise RivalryError("floor_log10 must be in [-30, 0): the log10 of a probability")
        if self.dpo_sft_weight < 0:
            raise RivalryError("dpo_sft_weight must be non-negative")
        if self.lora_layers is not None and (not self.lora_layers or min(self.lora_layers) < 0):
            raise RivalryError("lora_layers must be None or non-negative block indices")
        if not self.target_modules:
            raise RivalryError("name at least one target module for LoRA")
        if any(i < 0 for i in self.heldout_templates):
            raise RivalryError("heldout_templates must be non-negative indices into SYSTEM_TEMPLATES")

    @property
    def formats(self) -> tuple[Literal["question", "prefill"], ...]:
        """The prompt formats examples are rendered in (prefill first, as earlier versions built them)."""
        if self.prompt_format == "both":
            return ("prefill", "question")
        return (self.prompt_format,)
