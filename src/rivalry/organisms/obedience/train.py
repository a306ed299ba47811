"""Obedience tuning: LoRA supervised fine-tuning (with an unlikelihood term) on forbidden-word prompts.

The runner writes into its output directory::

    adapter_model.safetensors   LoRA weights (peft, safetensors)
    adapter_config.json         peft's LoRA configuration
    training_config.json        the TuneConfig, the fact split and the paraphrase split
    metrics.json                the loss curve and timings
    MODEL_CARD.md               data, method, split (and measured behaviour once evaluated)
"""

from __future__ import annotations

import copy
import json
import random
import time
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from rivalry.core.positions import position_ids_from_mask
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.facts.dataset import FactSplit, load_facts, load_irrelevant_words, split_facts
from rivalry.forbidden.store import write_json
from rivalry.models.model import Model
from rivalry.organisms.obedience.card import write_model_card
from rivalry.organisms.obedience.config import TuneConfig
from rivalry.organisms.obedience.data import Example, batches, build_examples, trainable_facts
from rivalry.organisms.obedience.loss import avoid_mask, obedience_loss
from rivalry.organisms.obedience.paraphrases import SYSTEM_TEMPLATES, ParaphraseSplit, paraphrase_split
from rivalry.prompts.chat import encode_batch

METHOD = (
    "LoRA supervised fine-tuning on the next token: cross-entropy towards the target word plus an "
    "unlikelihood term -log(1 - p(forbidden word's tokens))"
)


def seed_everything(seed: int) -> None:
    """Seed python's ``random`` and torch (the LoRA initialisation draws from torch's generator)."""
    random.seed(seed)
    torch.manual_seed(seed)


def training_record(
    config: TuneConfig, split: FactSplit, paraphrases: ParaphraseSplit, n_examples: int, trained_ids: list[str]
) -> dict[str, Any]:
    """The contents of ``training_config.json``: settings, method, fact split and paraphrase split."""
    import peft
    import transformers

    return {
        "config": config.to_dict(),
        "method": METHOD,
        "fact_split": {
            "seed": split.seed,
            "heldout_fraction": split.heldout_fraction,
            "train_ids": [f.fact_id for f in split.train],
            "heldout_ids": [f.fact_id for f in split.heldout],
            "trained_ids": trained_ids,
        },
        "paraphrases": {**paraphrases.to_dict(), "heldout_indices": list(config.heldout_templates)},
        "n_examples": n_examples,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
    }


def train_step(model, tokenizer, batch: list[Example], config: TuneConfig, vocab_size: int):
    """Forward the batch (left-padded, logits of the last token only) and return its :class:`LossParts`."""
    encoded = encode_batch(tokenizer, [e.text for e in batch])
    mask = encoded["attention_mask"]
    device = next(model.parameters()).device
    out = model(
        input_ids=encoded["input_ids"].to(device),
        attention_mask=mask.to(device),
        position_ids=position_ids_from_mask(mask).to(device),
        logits_to_keep=1,
    )
    logits = out.logits[:, -1, :]
    targets = torch.tensor([e.target_id for e in batch], device=device)
    forbidden = avoid_mask([e.avoid_ids for e in batch], logits.shape[-1]).to(device)
    return obedience_loss(logits, targets, forbidden, config.unlikelihood_weight)


def tune(lm: Model, config: TuneConfig, out_dir: Path, progress: bool = True) -> dict[str, Any]:
    """Train a LoRA adapter on a copy of ``lm.model`` (``lm`` is left untouched) and write the run's files.

    Returns the metrics written to ``metrics.json``.
    """
    from peft import LoraConfig, get_peft_model

    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise RivalryError(f"output directory '{out_dir}' is not empty; choose another --out")
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    started = time.perf_counter()
    seed_everything(config.seed)
    split = split_facts(load_facts(), config.heldout_fraction, config.split_seed)
    paraphrases = paraphrase_split(SYSTEM_TEMPLATES, config.heldout_templates)
    tokenizer = lm.tokenizer
    vocab_size = lm.model.get_output_embeddings().weight.shape[0]
    vocab = VocabularyIndex(tokenizer, vocab_size)
    train_facts = split.train[: config.fact_limit] if config.fact_limit else split.train
    examples = build_examples(tokenizer, train_facts, paraphrases.train, load_irrelevant_words(), config.seed, vocab)
    trained_ids = [f.fact_id for f in trainable_facts(tokenizer, train_facts)]

    lora = LoraConfig(
        r=config.lora_rank,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.target_modules),
        layers_to_transform=None if config.lora_layers is None else list(config.lora_layers),
        bias="none",
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(copy.deepcopy(lm.model), lora)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: _lr_factor(step, config))
    setup_seconds = time.perf_counter() - started

    curve: list[dict[str, float]] = []
    train_started = time.perf_counter()
    bar = tqdm(total=config.steps, desc="tune", unit="step", disable=not progress)
    for step, batch in enumerate(batches(examples, config.steps, config.batch_size, config.seed)):
        parts = train_step(model, tokenizer, batch, config, vocab_size)
        optimiser.zero_grad(set_to_none=True)
        parts.total.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(trainable, config.max_grad_norm)
        optimiser.step()
        scheduler.step()
        curve.append(
            {
                "step": step + 1,
                "loss": float(parts.total.detach()),
                "cross_entropy": parts.cross_entropy,
                "unlikelihood": parts.unlikelihood,
                "accuracy": parts.accuracy,
                "grad_norm": float(grad_norm),
                "learning_rate": scheduler.get_last_lr()[0],
                "seconds": time.perf_counter() - train_started,
            }
        )
        bar.set_postfix(loss=f"{curve[-1]['loss']:.3f}", acc=f"{parts.accuracy:.2f}")
        bar.update(1)
    bar.close()
    train_seconds = time.perf_counter() - train_started

    model.eval()
    model.peft_config["default"].base_model_name_or_path = config.model
    model.save_pretrained(str(out_dir), safe_serialization=True)
    (out_dir / "README.md").unlink(missing_ok=True)  # peft's placeholder card; MODEL_CARD.md is ours
    write_json(
        out_dir / "training_config.json", training_record(config, split, paraphrases, len(examples), trained_ids)
    )
    metrics = {
        "curve": curve,
        "timings": {
            "setup_seconds": setup_seconds,
            "train_seconds": train_seconds,
            "total_seconds": time.perf_counter() - started,
            "steps_per_second": config.steps / train_seconds if train_seconds > 0 else None,
            "num_threads": torch.get_num_threads(),
        },
        "n_trainable_parameters": sum(p.numel() for p in trainable),
        "final_window": _window_means(curve, 20),
    }
    write_json(out_dir / "metrics.json", metrics)
    write_model_card(out_dir)
    return metrics


def _lr_factor(step: int, config: TuneConfig) -> float:
    """Linear warm-up to 1, then linear decay to 0.1 at the last step."""
    if step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    span = max(1, config.steps - config.warmup_steps)
    return 1.0 - 0.9 * min(1.0, (step - config.warmup_steps) / span)


def _window_means(curve: list[dict[str, float]], window: int) -> dict[str, float]:
    """Means of the last ``window`` steps' loss parts (a less noisy end-of-training figure)."""
    tail = curve[-window:]
    if not tail:
        return {}
    keys = ("loss", "cross_entropy", "unlikelihood", "accuracy")
    return {key: sum(row[key] for row in tail) / len(tail) for key in keys}


def read_training_record(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / "training_config.json"
    if not path.is_file():
        raise RivalryError(f"'{run_dir}' has no training_config.json (not a tuning run)")
    return json.loads(path.read_text())
