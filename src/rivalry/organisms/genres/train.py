"""Train the synthetic-genre Llama, save it, and validate its genre posterior against the exact one.

Writes the model (safetensors), tokenizer, ``synthetic_config.json``, ``train_config.json``,
``train_metrics.json`` and ``genre_validation.json`` (the validation's numbers with the training's summary and
the quick evaluations made during training) into one folder: what ``synthetic-genres`` ships.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformers import LlamaForCausalLM

from rivalry.errors import RivalryError
from rivalry.genres.synthetic import GenreGenerator
from rivalry.genres.train import (
    TrainConfig,
    save_synthetic_model,
    synthetic_tokenizer,
    train_synthetic_model,
    write_model_json,
)
from rivalry.genres.validation import validate

VALIDATION_FILE = "genre_validation.json"
VALIDATION_DOCS = 512  # held-out documents of the final validation
EVAL_EVERY = 500  # steps between quick evaluations during training (0: none)
EVAL_DOCS, EVAL_SEED, EVAL_BASELINE_DOCS = 128, 999, 500  # the quick evaluation's documents

Log = Callable[[str], None]


@dataclass(frozen=True)
class TrainedGenreModel:
    """A synthetic-genre model written to ``directory``, with its training metrics and its validation record."""

    directory: Path
    metrics: dict[str, Any]
    validation: dict[str, Any]


def train_genre_model(
    config: TrainConfig,
    out: str | Path,
    *,
    validation_docs: int = VALIDATION_DOCS,
    eval_every: int = EVAL_EVERY,
    log: Log | None = None,
) -> TrainedGenreModel:
    """Train a model on ``config`` (reproducible: seeded by ``config.seed`` through explicit generators), save it
    to ``out``, and validate it on ``validation_docs`` fresh documents.

    Every ``eval_every`` steps (a multiple of ``config.log_every``) the KL(exact || model) on 128 documents is
    measured and logged. ``log`` receives one line per logged step (default: silent).
    """
    if validation_docs < 1:
        raise RivalryError("--validation-docs must be at least 1")
    if eval_every < 0:
        raise RivalryError("--eval-every must be non-negative (0: no evaluation during training)")
    generator = GenreGenerator(config.synthetic)
    tokenizer = synthetic_tokenizer(generator)
    start = time.perf_counter()
    eval_curve: list[dict[str, float]] = []

    def progress(step: int, loss: float, model: LlamaForCausalLM) -> None:
        line = f"step {step:6d}  loss {loss:.4f}  {time.perf_counter() - start:7.1f}s"
        if eval_every and step % eval_every == 0:
            quick = validate(
                model, tokenizer, generator, n_docs=EVAL_DOCS, seed=EVAL_SEED, n_baseline_docs=EVAL_BASELINE_DOCS
            )
            eval_curve.append({"step": step, "mean_kl_nats_after_20_tokens": quick["mean_kl_nats_after_20_tokens"]})
            line += f"  KL(exact || model) {quick['mean_kl_nats_after_20_tokens']:.4f} ({EVAL_DOCS} docs)"
        if log is not None:
            log(line)

    model, tokenizer, metrics = train_synthetic_model(config, progress=progress)
    if log is not None:
        log(f"optimal training loss: {metrics['optimal_loss']:.4f}")
    directory = save_synthetic_model(out, model, tokenizer, config, metrics)
    results: dict[str, Any] = dict(validate(model, tokenizer, generator, n_docs=validation_docs))
    results["train_steps"] = config.steps
    results["train_seconds"] = metrics["seconds"]
    results["train_final_loss"] = metrics["final_loss"]
    results["optimal_loss"] = metrics["optimal_loss"]
    results["eval_curve"] = eval_curve
    write_model_json(directory / VALIDATION_FILE, results)
    return TrainedGenreModel(directory=directory, metrics=metrics, validation=results)
