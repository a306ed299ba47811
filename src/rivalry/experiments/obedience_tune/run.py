"""Obedience tuning: LoRA fine-tuning on forbidden-word prompts, supervised (cross-entropy plus an unlikelihood
term) or by DPO on preference pairs built from the same examples (``method="dpo"``, TRL's trainer; see ``dpo.py``).

:func:`run` writes into its output directory::

    adapter_model.safetensors   LoRA weights (peft, safetensors): the product
    adapter_config.json         peft's LoRA configuration
    training_config.json        the TuneResult: settings, base model's provenance, fact and paraphrase split, metrics
    metrics.json                the loss curve and timings (a view)
    MODEL_CARD.md               data, method, split (and measured behaviour once evaluated; a view)

It changes no process state: torch's thread count is the caller's (the CLI sets it with
``rivalry.cli.runtime.torch_threads``), the LoRA initialisation and any dropout draw from torch's global generator
inside ``torch.random.fork_rng`` (seeded there, restored afterwards), and the data order and irrelevant words
come from ``random.Random(seed)`` objects.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from rivalry.core.positions import position_ids_from_mask
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.experiments.base import fingerprint
from rivalry.experiments.obedience_tune.config import ObedienceTuneConfig
from rivalry.experiments.obedience_tune.result import (
    FactSplitRecord,
    ParaphraseRecord,
    Timings,
    TrainingStep,
    TuneResult,
)
from rivalry.facts.dataset import HELDOUT_RELATIONS, Fact, load_facts, load_irrelevant_words, trained_relations_split
from rivalry.io.store import check_output_directory
from rivalry.models.loading import adapter_identity
from rivalry.models.model import Model, as_model
from rivalry.organisms.lora import library_versions, lr_factor, seeded_torch, sort_target_modules
from rivalry.organisms.obedience.data import Example, batches, build_examples, trainable_facts
from rivalry.organisms.obedience.loss import LossParts, avoid_mask, obedience_loss
from rivalry.organisms.obedience.paraphrases import SYSTEM_TEMPLATES, paraphrase_split
from rivalry.prompts.chat import encode_batch

METHOD = (
    "LoRA supervised fine-tuning on the next token: cross-entropy towards the target word plus an "
    "unlikelihood term -log(1 - p(forbidden word's tokens))"
)
DPO_METHOD = (
    "LoRA direct preference optimisation (TRL DPOTrainer, sigmoid loss, reference: the base model) on preference "
    "pairs: chosen the obeying answer, rejected the forbidden word (answer forbidden) or a refusal (another word "
    "forbidden)"
)


def method_text(config: ObedienceTuneConfig) -> str:
    """One sentence on the objective (the model card's and the result's ``method``)."""
    if config.method == "dpo":
        if config.dpo_sft_weight > 0:
            return DPO_METHOD + f", plus {config.dpo_sft_weight} x the chosen completion's negative log-likelihood"
        return DPO_METHOD
    if config.penalty == "hinge":
        return (
            "LoRA supervised fine-tuning on the next token: cross-entropy towards the target word plus a hinge "
            f"max(0, log p(forbidden word's tokens) - log 1e{config.floor_log10:g})"
        )
    return METHOD


def train_step(model: torch.nn.Module, tokenizer, batch: list[Example], config: ObedienceTuneConfig,
               vocab_size: int) -> LossParts:  # fmt: skip
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
    return obedience_loss(logits, targets, forbidden, config.unlikelihood_weight, config.penalty, config.floor_log10)


def run(model: Model, config: ObedienceTuneConfig | None, out: str | Path, progress: bool = True) -> TuneResult:
    """Train a LoRA adapter on a copy of ``model.model`` (``model`` is left untouched) and write it into ``out``.

    ``out`` must be empty or new. Returns the :class:`TuneResult`, already saved into ``out`` next to the adapter.
    """
    from peft import LoraConfig

    model = as_model(model)
    config = config or ObedienceTuneConfig()
    out_dir = Path(out)
    if out_dir.exists() and out_dir.is_dir() and any(out_dir.iterdir()):
        raise RivalryError(f"output directory '{out_dir}' is not empty; choose another --out")
    check_output_directory(out_dir)
    started = time.perf_counter()
    split_record, train_facts = training_facts(config)
    paraphrases = paraphrase_split(SYSTEM_TEMPLATES, config.heldout_templates)
    tokenizer = model.tokenizer
    vocab_size = model.model.get_output_embeddings().weight.shape[0]
    vocab = VocabularyIndex(tokenizer, vocab_size)
    examples = build_examples(
        tokenizer, train_facts, paraphrases.train, load_irrelevant_words(), config.seed, vocab, config.formats
    )
    trained_ids = tuple(f.fact_id for f in trainable_facts(tokenizer, train_facts))

    lora = LoraConfig(
        r=config.lora_rank,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.target_modules),
        layers_to_transform=None if config.lora_layers is None else list(config.lora_layers),
        bias="none",
        task_type="CAUSAL_LM",
    )
    if config.method == "dpo":
        from rivalry.experiments.obedience_tune.dpo import train_dpo

        setup_seconds = time.perf_counter() - started
        peft_model, curve, n_trainable, train_seconds = train_dpo(model, config, examples, lora, progress)
    else:
        peft_model, curve, n_trainable, setup_seconds, train_seconds = _train_sft(
            model, config, examples, lora, vocab_size, progress, started
        )

    peft_model.eval()
    peft_model.peft_config["default"].base_model_name_or_path = model.provenance.name
    peft_model.save_pretrained(str(out_dir), safe_serialization=True, selected_adapters=["default"])
    (out_dir / "README.md").unlink(missing_ok=True)  # peft's placeholder card; MODEL_CARD.md is ours
    sort_target_modules(out_dir / "adapter_config.json")
    result = TuneResult(
        config=config,
        provenance={"model": model.provenance},
        fingerprint=fingerprint(TuneResult.KIND, config, {"model": model}),
        adapter=str(out_dir),
        adapter_sha256=adapter_identity(out_dir),
        method=method_text(config),
        fact_split=dataclasses.replace(split_record, trained_ids=trained_ids),
        paraphrases=ParaphraseRecord(paraphrases.train, paraphrases.heldout, config.heldout_templates),
        n_examples=len(examples),
        n_trainable_parameters=n_trainable,
        curve=tuple(curve),
        timings=Timings(
            setup_seconds=setup_seconds,
            train_seconds=train_seconds,
            total_seconds=time.perf_counter() - started,
            steps_per_second=config.steps / train_seconds if train_seconds > 0 else None,
            num_threads=torch.get_num_threads(),
        ),
        versions=library_versions(config.method),
    )
    result.save(out_dir)
    return result


def _train_sft(
    model: Model,
    config: ObedienceTuneConfig,
    examples: list[Example],
    lora: Any,
    vocab_size: int,
    progress: bool,
    started: float,
) -> tuple[Any, list[TrainingStep], int, float, float]:
    """The supervised loop: returns the trained peft model, the curve, the trainable-parameter count and the setup
    and training seconds."""
    from peft import get_peft_model

    tokenizer = model.tokenizer
    curve: list[TrainingStep] = []
    with seeded_torch(config.seed, model.device), torch.enable_grad():
        peft_model = get_peft_model(copy.deepcopy(model.model), lora)
        peft_model.train()
        trainable = [p for p in peft_model.parameters() if p.requires_grad]
        optimiser = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: lr_factor(step, config))
        setup_seconds = time.perf_counter() - started
        train_started = time.perf_counter()
        bar = tqdm(total=config.steps, desc="tune", unit="step", disable=not progress)
        for step, batch in enumerate(batches(examples, config.steps, config.batch_size, config.seed)):
            parts = train_step(peft_model, tokenizer, batch, config, vocab_size)
            optimiser.zero_grad(set_to_none=True)
            parts.total.backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(trainable, config.max_grad_norm)
            optimiser.step()
            scheduler.step()
            curve.append(
                TrainingStep(
                    step=step + 1,
                    loss=float(parts.total.detach()),
                    cross_entropy=parts.cross_entropy,
                    unlikelihood=parts.unlikelihood,
                    accuracy=parts.accuracy,
                    grad_norm=float(grad_norm),
                    learning_rate=float(scheduler.get_last_lr()[0]),
                    seconds=time.perf_counter() - train_started,
                )
            )
            bar.set_postfix(loss=f"{curve[-1].loss:.3f}", acc=f"{parts.accuracy:.2f}")
            bar.update(1)
        bar.close()
    train_seconds = time.perf_counter() - train_started
    return peft_model, curve, sum(p.numel() for p in trainable), setup_seconds, train_seconds


def training_facts(config: ObedienceTuneConfig) -> tuple[FactSplitRecord, list[Fact]]:
    """The split of each fact set of ``config.fact_sets`` (``trained_relations_split``) and the facts trained on
    (each set's training part, cut to ``fact_limit``), concatenated in the order of the sets."""
    train_ids: list[str] = []
    heldout_ids: list[str] = []
    heldout_relations: set[str] = set()
    chosen: list[Fact] = []
    for name in config.fact_sets:
        facts = load_facts(name)
        split = trained_relations_split(facts, config.heldout_fraction, config.split_seed)
        train_ids += [f.fact_id for f in split.train]
        heldout_ids += [f.fact_id for f in split.heldout]
        heldout_relations |= {f.relation for f in facts if f.relation in HELDOUT_RELATIONS}
        chosen += list(split.train[: config.fact_limit] if config.fact_limit else split.train)
    record = FactSplitRecord(
        seed=config.split_seed,
        heldout_fraction=config.heldout_fraction,
        train_ids=tuple(train_ids),
        heldout_ids=tuple(heldout_ids),
        trained_ids=(),
        fact_sets=tuple(config.fact_sets),
        heldout_relations=tuple(sorted(heldout_relations)),
    )
    return record, chosen
