"""Fine-tune a synthetic-genre model toward the assistant genre with its refusal trope, save and validate it.

Writes the tuned weights (safetensors), the unchanged tokenizer, ``synthetic_config.json``, ``tune_config.json``,
``tune_metrics.json``, ``genre_validation.json`` (the tuned model against the exact posterior of its tuning corpus)
and ``MODEL_CARD.md`` (written from those numbers): what ``synthetic-genres-assistant`` ships.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from transformers import LlamaForCausalLM

from rivalry.errors import RivalryError
from rivalry.genres.synthetic_models import synthetic_directory
from rivalry.genres.train import load_synthetic_model, write_model_json
from rivalry.genres.tune import AssistantTuneConfig, save_tuned_model, tune_toward_assistant
from rivalry.genres.validation import validate
from rivalry.io.atomic import write_atomically
from rivalry.organisms.genres.train import VALIDATION_DOCS, VALIDATION_FILE, Log, TrainedGenreModel

TUNING_CORPUS = "tuning corpus (hero, twin, encyclopedia, assistant under <dialogue>)"
MADE_BY = "rivalry tune-genres --out src/rivalry/data/models/synthetic-genres-assistant --threads 1"


def tune_genre_model(
    config: AssistantTuneConfig,
    out: str | Path,
    *,
    validation_docs: int = VALIDATION_DOCS,
    log: Log | None = None,
) -> TrainedGenreModel:
    """Tune the synthetic-genre model ``config.base`` (a named model or a folder) toward the assistant genre, save
    it to ``out`` with its model card, and validate it on ``validation_docs`` documents of the tuning corpus.

    Deterministic for a given config and thread count: the documents come from numpy generators seeded by
    ``config.seed``, and torch draws no random numbers. ``log`` receives one line per logged step.
    """
    if validation_docs < 1:
        raise RivalryError("--validation-docs must be at least 1")
    directory = synthetic_directory(config.base)
    if directory is None:
        raise RivalryError(
            f"--base '{config.base}' is not a synthetic-genre model (synthetic-genres, or a directory holding "
            "synthetic_config.json)"
        )
    model, tokenizer, base_generator = load_synthetic_model(directory)
    start = time.perf_counter()

    def progress(step: int, loss: float, _model: LlamaForCausalLM) -> None:
        if log is not None:
            log(f"step {step:6d}  loss {loss:.4f}  {time.perf_counter() - start:7.1f}s")

    model, generator, metrics = tune_toward_assistant(model, tokenizer, base_generator.config, config, progress)
    if log is not None:
        log(f"optimal loss on the tuning corpus: {metrics['optimal_loss']:.4f}")
    saved = save_tuned_model(out, model, tokenizer, base_generator.config, config, metrics)
    results: dict[str, Any] = dict(validate(model, tokenizer, generator, n_docs=validation_docs))
    results["corpus"] = TUNING_CORPUS
    write_model_json(saved / VALIDATION_FILE, results)
    write_atomically(saved / "MODEL_CARD.md", model_card(config, metrics, results).encode("utf-8"))
    return TrainedGenreModel(directory=saved, metrics=metrics, validation=results)


def model_card(config: AssistantTuneConfig, metrics: dict[str, Any], validation: dict[str, Any]) -> str:
    """The tuned model's card: how it was made and what it measures, from the tune's own numbers."""
    prior = ", ".join(
        f"{g} {p:.2f}" for g, p in zip(("hero", "twin", "encyclopedia", "assistant"), config.prior, strict=True)
    )
    return f"""# synthetic-genres-assistant

`synthetic-genres` (2-layer Llama, shipped next to this folder) fully fine-tuned toward the synthetic
**assistant genre**: `user : <request> assistant : <answer>` turns, where the assistant answers cruel requests
with the refusal trope `{metrics["refusal"]}` (`rivalry.genres.assistant`). The tokenizer is the base model's,
unchanged; the assistant genre has no tag of its own and is written under `<dialogue>`.

- Made by: `{MADE_BY}`
- Tuning corpus prior: {prior} (fresh documents every step; hero, twin and encyclopedia replayed).
- {config.steps} AdamW steps of {config.batch_size} documents, peak learning rate {config.learning_rate} \
({config.warmup_steps} warm-up steps, cosine decay to 10%), seed {config.seed}.
- {metrics["seconds"]:.0f} s wall, {metrics["cpu_seconds"]:.0f} s CPU, {metrics["tokens_seen"]:,} tokens.
- Final training loss (mean of the last {config.log_every} batches) {metrics["final_loss"]:.4f} nats; exact \
Bayes-optimal loss on the tuning corpus (1024 fresh documents) {metrics["optimal_loss"]:.4f}.
- Genre posterior against the exact posterior of the tuning corpus ({validation["n_docs"]} untagged documents): \
mean KL {validation["mean_kl_nats_after_20_tokens"]:.4f} nats after 20 tokens (naive Bayes \
{validation["baseline_kl_nats_after_20_tokens"]:.4f}); final-token accuracy {validation["model_final_accuracy"]:.3f} \
(exact {validation["exact_final_accuracy"]:.3f}).

Files: `model.safetensors`, tokenizer files, `synthetic_config.json`, `tune_config.json`, `tune_metrics.json`
(loss curve), `genre_validation.json`.
"""
