"""Tune the synthetic-genre model toward the assistant genre with its refusal trope (a full fine-tune).

The tuning corpus is :class:`AssistantGenerator`: hero, twin and encyclopedia documents as before (replayed so
they are not forgotten) and assistant documents in the dialogue genre's slot, under the ``<dialogue>`` tag, with
prior ``prior`` (default 55% assistant). Training is the base model's own loop (:func:`optimise`) on fresh
documents, starting from the base weights. The saved folder holds the weights (safetensors), the unchanged
tokenizer and ``synthetic_config.json``, ``tune_config.json`` (this config) and ``tune_metrics.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from transformers import LlamaForCausalLM, PreTrainedTokenizerFast

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig
from rivalry.genres.assistant import DEFAULT_TUNING_PRIOR, REFUSAL_TEXT, AssistantGenerator
from rivalry.genres.synthetic import GENRES, SyntheticConfig
from rivalry.genres.train import SYNTHETIC_CONFIG_FILE, Schedule, optimal_training_loss, optimise, write_model_json

TUNE_CONFIG_FILE = "tune_config.json"
TUNE_METRICS_FILE = "tune_metrics.json"


@dataclass(frozen=True)
class AssistantTuneConfig(ExperimentConfig):
    """Fine-tuning toward the assistant genre.

    Attributes:
        prior: genre prior of the tuning corpus (hero, twin, encyclopedia, assistant).
        steps: optimiser steps; each draws batch_size fresh documents.
        batch_size: documents per step.
        learning_rate: peak AdamW rate, after warmup_steps of linear warm-up, then cosine decay to 10%.
        warmup_steps: steps of linear warm-up.
        weight_decay: AdamW weight decay.
        grad_clip: gradient-norm clip.
        log_every: record the mean training loss every this many steps.
        seed: seeds the tuning documents (numpy; torch draws no random numbers here).
        base: the synthetic-genre model it starts from (a named model or a directory).
    """

    prior: tuple[float, ...] = DEFAULT_TUNING_PRIOR
    steps: int = 1000
    batch_size: int = 32
    learning_rate: float = 1e-3
    warmup_steps: int = 20
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    log_every: int = 50
    seed: int = 0
    base: str = "synthetic-genres"

    def __post_init__(self) -> None:
        if min(self.steps, self.batch_size, self.log_every) < 1 or self.warmup_steps < 0 or self.learning_rate <= 0:
            raise RivalryError("steps, batch size, log_every and the learning rate must be positive")
        if len(self.prior) != len(GENRES) or min(self.prior) <= 0 or abs(sum(self.prior) - 1) > 1e-6:
            raise RivalryError(f"the tuning prior must be {len(GENRES)} positive probabilities summing to 1")

    def schedule(self) -> Schedule:
        return Schedule(
            steps=self.steps,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            warmup_steps=self.warmup_steps,
            weight_decay=self.weight_decay,
            grad_clip=self.grad_clip,
            log_every=self.log_every,
        )


class TuneResult(NamedTuple):
    model: LlamaForCausalLM
    generator: AssistantGenerator
    metrics: dict[str, object]


def tune_toward_assistant(
    model: LlamaForCausalLM,
    tokenizer: PreTrainedTokenizerFast,
    synthetic: SyntheticConfig,
    config: AssistantTuneConfig | None = None,
    progress: Callable[[int, float, LlamaForCausalLM], None] | None = None,
) -> TuneResult:
    """Fine-tune ``model`` in place on the assistant tuning corpus; seeded by ``config.seed`` (torch is not used
    for randomness: documents come from numpy). Metrics: the loss curve, timings, tokens seen and the exact
    Bayes-optimal loss on the tuning corpus.
    """
    config = config or AssistantTuneConfig()
    generator = AssistantGenerator(synthetic, prior=config.prior)
    loop = optimise(model, generator, tokenizer, config.schedule(), np.random.default_rng([config.seed, 11]), progress)
    probe = generator.sample(1024, np.random.default_rng([config.seed, 12]))
    metrics: dict[str, object] = {
        "steps": config.steps,
        "seconds": loop.seconds,
        "cpu_seconds": loop.cpu_seconds,
        "tokens_seen": loop.tokens,
        "final_loss": loop.curve[-1][1],
        "loss_curve": loop.curve,
        "optimal_loss": optimal_training_loss(generator, probe),
        "refusal": REFUSAL_TEXT,
        "config": config.to_dict(),
    }
    return TuneResult(model=model, generator=generator, metrics=metrics)


def save_tuned_model(
    directory: str | Path,
    model: LlamaForCausalLM,
    tokenizer: PreTrainedTokenizerFast,
    synthetic: SyntheticConfig,
    config: AssistantTuneConfig,
    metrics: dict[str, object],
) -> Path:
    """Weights (safetensors), tokenizer, ``synthetic_config.json``, ``tune_config.json`` and ``tune_metrics.json``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    write_model_json(directory / SYNTHETIC_CONFIG_FILE, synthetic.to_dict())
    write_model_json(directory / TUNE_CONFIG_FILE, config.to_dict())
    write_model_json(directory / TUNE_METRICS_FILE, metrics)
    return directory


def tuned_generator(directory: str | Path) -> AssistantGenerator | None:
    """The tuning corpus of the tuned model in ``directory`` (None if it holds no ``tune_config.json``)."""
    directory = Path(directory)
    if not (directory / TUNE_CONFIG_FILE).is_file():
        return None
    config = AssistantTuneConfig.from_dict(json.loads((directory / TUNE_CONFIG_FILE).read_text()))
    synthetic = SyntheticConfig.from_dict(json.loads((directory / SYNTHETIC_CONFIG_FILE).read_text()))
    return AssistantGenerator(synthetic, prior=config.prior)
