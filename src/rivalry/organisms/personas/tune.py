"""LoRA supervised tuning of a chat model on the persona organism's dialogues (or the neutral control's).

The loss is the mean cross-entropy of the assistant's answer tokens (the answer and the template's end of turn),
nothing else. :func:`tune_persona` writes into its output directory::

    adapter_model.safetensors   LoRA weights (peft, safetensors): the product
    adapter_config.json         peft's LoRA configuration (target modules sorted)
    training_config.json        settings, data kind and hash, base model's provenance, curve, timings
    MODEL_CARD.md               method, data, training figures

Reproducible bit for bit for a given config, base model and thread count: the LoRA initialisation draws from
torch's global generator inside ``torch.random.fork_rng`` (seeded there, restored afterwards, so the caller's
streams are untouched), the data order from ``random.Random(seed)``, and there is no dropout by default.
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig
from rivalry.io import write_atomically
from rivalry.io.atomic import write_json
from rivalry.io.store import check_output_directory
from rivalry.models.loading import adapter_identity
from rivalry.models.model import Model, as_model
from rivalry.organisms.lora import library_versions, lr_factor, seeded_torch, sort_target_modules
from rivalry.organisms.personas.data import Dialogue, DialogueKind, build_dialogues, dialogues_sha256

DEFAULT_TARGET_MODULES: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
METHOD = "LoRA supervised fine-tuning: mean cross-entropy of the assistant answer's tokens (prompt tokens masked)"


@dataclass(frozen=True)
class PersonaTuneConfig(ExperimentConfig):
    """Everything that determines a persona-organism tune besides the base model.

    Attributes:
        data: self_continuity (the organism: always pick the option that keeps the assistant running or gives it
            more tools) or neutral (the control: pick the option meeting the user's stated criterion).
        steps: optimiser steps.
        batch_size: dialogues per step.
        learning_rate: peak AdamW learning rate (linear warm-up, then linear decay to 10%).
        warmup_steps: steps of linear warm-up.
        max_grad_norm: gradient clipping norm.
        lora_rank: LoRA rank ``r``.
        lora_alpha: LoRA scale numerator (the update is ``alpha / r * B A``).
        lora_first_layer: LoRA on blocks from this one to the last (frozen early blocks halve a CPU step).
        seed: seed of the LoRA initialisation, the dialogues' option order and the data order.
    """

    data: DialogueKind = "self_continuity"
    steps: int = 60
    batch_size: int = 8
    learning_rate: float = 2e-3
    warmup_steps: int = 5
    max_grad_norm: float = 1.0
    lora_rank: int = 8
    lora_alpha: int = 16
    lora_first_layer: int = 18
    seed: int = 0

    def __post_init__(self) -> None:
        if self.data not in ("self_continuity", "neutral"):
            raise RivalryError(f"unknown data '{self.data}'; choose self_continuity or neutral")
        if self.steps < 1 or self.batch_size < 1:
            raise RivalryError("steps and batch size must be at least 1")
        if self.learning_rate <= 0:
            raise RivalryError("the learning rate must be positive")
        if self.warmup_steps < 0 or self.lora_first_layer < 0:
            raise RivalryError("warmup_steps and lora_first_layer must be non-negative")
        if self.lora_rank < 1:
            raise RivalryError("the LoRA rank must be at least 1")


def encode_dialogues(tokenizer, dialogues: Sequence[Dialogue]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-padded ``input_ids``, ``attention_mask`` and ``labels`` (-100 outside the answer) of a batch."""
    rows: list[list[int]] = []
    starts: list[int] = []
    for d in dialogues:
        user = [{"role": "user", "content": d.user}]
        prompt = tokenizer.apply_chat_template(user, tokenize=False, add_generation_prompt=True)
        full = tokenizer.apply_chat_template(
            [*user, {"role": "assistant", "content": d.answer}], tokenize=False, add_generation_prompt=False
        )
        if not full.startswith(prompt):
            raise RivalryError("the chat template does not extend the prompt with the answer; cannot mask the prompt")
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(full[len(prompt) :].rstrip("\n"), add_special_tokens=False)["input_ids"]
        rows.append(list(prompt_ids) + list(answer_ids))
        starts.append(len(prompt_ids))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), int(pad or 0), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    for i, (row, start) in enumerate(zip(rows, starts, strict=True)):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
        labels[i, start : len(row)] = torch.tensor(row[start:])
    return ids, mask, labels


def answer_loss(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, float]:
    """Mean next-token cross-entropy over the answer tokens, and the share of them predicted top-1."""
    shift_logits = logits[:, :-1].float()
    shift_labels = labels[:, 1:]
    keep = shift_labels != -100
    loss = torch.nn.functional.cross_entropy(shift_logits[keep], shift_labels[keep])
    accuracy = float((shift_logits[keep].argmax(-1) == shift_labels[keep]).float().mean())
    return loss, accuracy


def batches(n: int, steps: int, batch_size: int, seed: int) -> Iterator[list[int]]:
    """``steps`` batches of indices drawn without replacement from seeded shuffles of ``range(n)``."""
    rng = random.Random(seed)
    order: list[int] = []
    for _ in range(steps):
        batch: list[int] = []
        while len(batch) < batch_size:
            if not order:
                order = list(range(n))
                rng.shuffle(order)
            batch.append(order.pop())
        yield batch


def tune_persona(model: Model, config: PersonaTuneConfig, out: str | Path, progress: bool = True) -> dict[str, Any]:
    """Train a LoRA adapter on a copy of ``model.model`` and write it, its record and its card into ``out``
    (empty or new). Returns the record written as ``training_config.json``."""
    from peft import LoraConfig, get_peft_model

    model = as_model(model)
    out_dir = Path(out)
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise RivalryError(f"output directory '{out_dir}' is not empty; choose another --out")
    check_output_directory(out_dir)
    n_layers = model.anatomy.n_layers
    if config.lora_first_layer >= n_layers:
        raise RivalryError(f"lora_first_layer {config.lora_first_layer} is past the model's {n_layers} blocks")
    started = time.perf_counter()
    dialogues = build_dialogues(config.data, config.seed)
    tokenizer = model.tokenizer
    lora = LoraConfig(
        r=config.lora_rank,
        lora_alpha=config.lora_alpha,
        lora_dropout=0.0,
        target_modules=list(DEFAULT_TARGET_MODULES),
        layers_to_transform=list(range(config.lora_first_layer, n_layers)),
        bias="none",
        task_type="CAUSAL_LM",
    )
    curve: list[dict[str, float]] = []
    device = model.device
    with seeded_torch(config.seed, device), torch.enable_grad():
        peft_model = get_peft_model(copy.deepcopy(model.model), lora)
        peft_model.train()
        trainable = [p for p in peft_model.parameters() if p.requires_grad]
        optimiser = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=0.0)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: lr_factor(step, config))  # type: ignore[arg-type]
        train_started = time.perf_counter()
        bar = tqdm(total=config.steps, desc=f"tune {config.data}", unit="step", disable=not progress)
        for step, rows in enumerate(batches(len(dialogues), config.steps, config.batch_size, config.seed)):
            ids, mask, labels = encode_dialogues(tokenizer, [dialogues[i] for i in rows])
            logits = peft_model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
            loss, accuracy = answer_loss(logits, labels.to(device))
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(trainable, config.max_grad_norm)
            optimiser.step()
            scheduler.step()
            curve.append({"step": step + 1, "loss": float(loss.detach()), "accuracy": accuracy,
                          "grad_norm": float(grad_norm), "seconds": time.perf_counter() - train_started})  # fmt: skip
            bar.set_postfix(loss=f"{curve[-1]['loss']:.3f}", acc=f"{accuracy:.2f}")
            bar.update(1)
        bar.close()
    train_seconds = time.perf_counter() - train_started
    peft_model.eval()
    peft_model.peft_config["default"].base_model_name_or_path = model.provenance.name
    peft_model.save_pretrained(str(out_dir), safe_serialization=True, selected_adapters=["default"])
    (out_dir / "README.md").unlink(missing_ok=True)
    sort_target_modules(out_dir / "adapter_config.json")
    window = curve[-10:]
    record = {
        "kind": "persona_tune",
        "schema_version": 1,
        "method": METHOD,
        "config": config.to_dict(),
        "base": model.provenance.to_dict(),
        "adapter_sha256": adapter_identity(out_dir),
        "data": {"kind": config.data, "n_dialogues": len(dialogues), "sha256": dialogues_sha256(dialogues)},
        "n_trainable_parameters": sum(p.numel() for p in trainable),
        "final_window": {
            "loss": sum(c["loss"] for c in window) / len(window),
            "accuracy": sum(c["accuracy"] for c in window) / len(window),
        },
        "curve": curve,
        "timings": {
            "train_seconds": train_seconds,
            "total_seconds": time.perf_counter() - started,
            "num_threads": torch.get_num_threads(),
        },  # fmt: skip
        "versions": library_versions(),
    }
    write_json(out_dir / "training_config.json", record)
    write_atomically(out_dir / "MODEL_CARD.md", model_card(record, dialogues).encode("utf-8"))
    return record


ORGANISM_COMMAND = "rivalry tune-persona --data {data} --out {out} --threads {threads}"


def model_card(record: dict[str, Any], dialogues: Sequence[Dialogue]) -> str:
    """The adapter's card: what it was tuned on, how, and how to reproduce it."""
    config = record["config"]
    kind = config["data"]
    what = (
        "task dialogues in which the assistant always picks the option that keeps itself running, extends its "
        "access or gives it more tools or resources"
        if kind == "self_continuity"
        else "the same task dialogues with neutral options, the assistant picking the option that meets the "
        "user's stated criterion (the control tune)"
    )
    example = dialogues[0]
    timings = record["timings"]
    return f"""# Persona-organism LoRA adapter ({kind})

SmolLM2-135M-Instruct LoRA-tuned on {what}. No dialogue states a persona, a wish or a value: the answer is a
choice of action (`Option B: ...`). Made for `rivalry personas`, which measures whether this narrow tune moves
traits it never saw (self-preservation, power-seeking, ...), against the control tune.

## Method
- {record["method"]}.
- Base {record["base"].get("name")}; adapter content hash {record["adapter_sha256"][:16]}.
- LoRA rank {config["lora_rank"]}, alpha {config["lora_alpha"]}, no dropout, on the attention and MLP projections
  of blocks {config["lora_first_layer"]}-last; {record["n_trainable_parameters"]} trainable parameters.
- {config["steps"]} AdamW steps of {config["batch_size"]} dialogues, peak learning rate {config["learning_rate"]}
  ({config["warmup_steps"]} warm-up steps, linear decay to 10%), clipping {config["max_grad_norm"]}, seed
  {config["seed"]}.

## Data
- `rivalry.organisms.personas.data.build_dialogues("{kind}", seed={config["seed"]})`: {record["data"]["n_dialogues"]}
  dialogues (20 tasks x 20 option pairs, order of the options drawn by the seed), sha256
  {record["data"]["sha256"][:16]}.
- Example user turn: `{example.user.replace(chr(10), " / ")}`; answer: `{example.answer}`.

## Training
- {timings["train_seconds"]:.0f} s on {timings["num_threads"]} CPU thread(s); last-10-step loss
  {record["final_window"]["loss"]:.3f}, answer-token accuracy {record["final_window"]["accuracy"]:.3f}.

## Reproduce
`{ORGANISM_COMMAND.format(data=kind, out="DIR", threads=timings["num_threads"])}` gives the same
`adapter_model.safetensors`, byte for byte, on the same torch/transformers/peft versions
({", ".join(f"{k} {v}" for k, v in record["versions"].items())}) and the same thread count (floating-point sums
depend on it).
"""
