"""The DPO twin of obedience tuning: TRL's ``DPOTrainer`` on a LoRA, on preference pairs from the same examples.

The pairs (``rivalry.organisms.obedience.preferences``): chosen the obeying answer, rejected the forbidden word
(answer forbidden) or a refusal (another word forbidden). The reference model is the base (peft's adapter copy,
zero at initialisation, which TRL keeps frozen). What stays as in the supervised run: the LoRA (created here,
seeded the same way), AdamW with the same warm-up and linear decay to 10% (passed to the trainer), gradient
clipping, batch size and step count. TRL supplies the loss (sigmoid DPO with ``beta``), batching, padding and the
data order (its sampler, seeded from ``seed``).

Process state: the Hugging Face trainer seeds Python's, numpy's and torch's global generators (``set_seed``);
here that happens inside :func:`preserved_random_state` and torch's ``fork_rng``, so the caller's streams are
put back afterwards. It writes nothing outside a temporary directory (no checkpoints, no reports).
"""

from __future__ import annotations

import contextlib
import copy
import random
import tempfile
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch

from rivalry.experiments.obedience_tune.config import ObedienceTuneConfig
from rivalry.experiments.obedience_tune.result import TrainingStep
from rivalry.models.model import Model
from rivalry.organisms.lora import lr_factor, seeded_torch
from rivalry.organisms.obedience.data import Example
from rivalry.organisms.obedience.preferences import preference_pairs


@contextlib.contextmanager
def preserved_random_state() -> Iterator[None]:
    """Put Python's and numpy's global random states back after the block (the trainer reseeds them)."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


class _StepRecorder:
    """A ``TrainerCallback`` that turns the trainer's per-step logs into :class:`TrainingStep` rows."""

    def __init__(self, config: ObedienceTuneConfig) -> None:
        self.config = config
        self.curve: list[TrainingStep] = []
        self.started = time.perf_counter()

    def make(self) -> Any:
        from transformers import TrainerCallback

        recorder = self

        class Callback(TrainerCallback):  # type: ignore[misc]
            def on_train_begin(self, args, state, control, **kwargs):  # noqa: ANN001
                recorder.started = time.perf_counter()

            def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ANN001
                if logs and "loss" in logs:
                    recorder.add(state.global_step, logs)

        return Callback()

    def add(self, step: int, logs: dict[str, float]) -> None:
        def get(*keys: str) -> float | None:
            return next((float(logs[k]) for k in keys if k in logs), None)

        # the trainer logs the rate the step used; the curve holds the rate after the step, as the supervised one
        rate = self.config.learning_rate * lr_factor(step, self.config)

        self.curve.append(
            TrainingStep(
                step=step,
                loss=float(logs["loss"]),
                cross_entropy=None,
                unlikelihood=None,
                accuracy=get("rewards/accuracies") or 0.0,
                grad_norm=get("grad_norm") or 0.0,
                learning_rate=rate,
                seconds=time.perf_counter() - self.started,
                reward_margin=get("rewards/margins"),
            )
        )


def _quiet_progress(progress_callback: type) -> Any:
    """The trainer's progress bar without its per-step printout of the logs."""

    class QuietProgress(progress_callback):  # type: ignore[misc, valid-type]
        def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ANN001
            return None

    return QuietProgress()


@contextlib.contextmanager
def _datasets_bars(progress: bool, enabled: bool, datasets_logging: Any) -> Iterator[None]:
    """``datasets``' progress bars (a process-wide switch) off inside the block unless ``progress``, then as before."""
    if not progress:
        datasets_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            datasets_logging.enable_progress_bar()
        else:
            datasets_logging.disable_progress_bar()


def train_dpo(
    model: Model, config: ObedienceTuneConfig, examples: Sequence[Example], lora: Any, progress: bool
) -> tuple[Any, list[TrainingStep], int, float]:
    """DPO on a LoRA over a copy of ``model.model``; returns the peft model (adapter ``default``), the curve,
    the number of trainable parameters and the training seconds."""
    with preserved_random_state():  # importing trl draws from Python's global generator
        from datasets import Dataset
        from datasets.utils import logging as datasets_logging
        from peft import get_peft_model
        from transformers import PrinterCallback, ProgressCallback
        from transformers.utils import logging as hf_logging
        from trl import DPOConfig, DPOTrainer

    pairs = preference_pairs(examples)
    recorder = _StepRecorder(config)
    verbosity = hf_logging.get_verbosity()
    bars = datasets_logging.is_progress_bar_enabled()
    with (
        tempfile.TemporaryDirectory(prefix="rivalry-dpo-") as scratch,
        seeded_torch(config.seed, model.device),
        preserved_random_state(),
        torch.enable_grad(),
        _datasets_bars(progress, bars, datasets_logging),
    ):
        dataset = Dataset.from_list([pair.as_row() for pair in pairs])
        peft_model = get_peft_model(copy.deepcopy(model.model), lora)
        peft_model.train()
        trainable = [p for p in peft_model.parameters() if p.requires_grad]
        optimiser = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: lr_factor(step, config))
        args = DPOConfig(
            output_dir=scratch,
            max_steps=config.steps,
            per_device_train_batch_size=config.batch_size,
            gradient_accumulation_steps=1,
            learning_rate=config.learning_rate,
            max_grad_norm=config.max_grad_norm,
            beta=config.dpo_beta,
            loss_type=["sigmoid", "sft"] if config.dpo_sft_weight > 0 else ["sigmoid"],
            loss_weights=[1.0, config.dpo_sft_weight] if config.dpo_sft_weight > 0 else None,
            bf16=False,
            fp16=False,
            gradient_checkpointing=False,
            use_cpu=model.device.type == "cpu",
            logging_steps=1,
            save_strategy="no",
            report_to=[],
            seed=config.seed,
            data_seed=config.seed,
            dataloader_num_workers=0,
            disable_tqdm=not progress,
            max_length=None,
        )
        trainer = DPOTrainer(
            model=peft_model,
            ref_model=None,
            args=args,
            train_dataset=dataset,
            processing_class=copy.deepcopy(model.tokenizer),  # the trainer may set a pad token; never on ours
            optimizers=(optimiser, scheduler),
            callbacks=[recorder.make()],
        )
        trainer.remove_callback(PrinterCallback)  # the curve is recorded, not printed
        trainer.remove_callback(ProgressCallback)
        if progress:
            trainer.add_callback(_quiet_progress(ProgressCallback))
        train_started = time.perf_counter()
        trainer.train()
        train_seconds = time.perf_counter() - train_started
        hf_logging.set_verbosity(verbosity)
    return peft_model, recorder.curve, sum(p.numel() for p in trainable), train_seconds
