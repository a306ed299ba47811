"""The result of an obedience-tuning run: where the adapter is, what it was trained on, and how training went.

The adapter files (``adapter_model.safetensors``, ``adapter_config.json``) are the run's product; this record is
saved next to them as ``training_config.json`` (the layout of earlier rivalry versions, plus the base model's
provenance, the adapter's content hash and the training metrics). ``metrics.json`` and ``MODEL_CARD.md`` are
views of it, never read back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch

from rivalry.experiments.base import Result, register_result
from rivalry.experiments.obedience_tune.config import ObedienceTuneConfig
from rivalry.io import write_atomically, write_json
from rivalry.models.model import Provenance

FINAL_WINDOW = 20  # steps averaged in the end-of-training figures
METRICS_FILE = "metrics.json"
CARD_FILE = "MODEL_CARD.md"


@dataclass(frozen=True)
class TrainingStep:
    """One optimiser step: the batch's loss and its parts (before the step), the clipped gradient's norm, the
    learning rate after the scheduler's step and the seconds since training began.

    Supervised runs fill ``cross_entropy``, ``unlikelihood`` and ``accuracy`` (top-1 on the target token); DPO
    runs have no such parts (None) and fill ``accuracy`` with the share of pairs whose chosen completion gets
    the higher implicit reward, and ``reward_margin`` with the mean reward margin (chosen minus rejected).
    """

    step: int
    loss: float
    cross_entropy: float | None
    unlikelihood: float | None
    accuracy: float
    grad_norm: float
    learning_rate: float
    seconds: float
    reward_margin: float | None = None


@dataclass(frozen=True)
class Timings:
    """Wall-clock seconds of the run's phases and the torch CPU threads it ran with."""

    setup_seconds: float
    train_seconds: float
    total_seconds: float
    steps_per_second: float | None  # None when training took no measurable time
    num_threads: int


@dataclass(frozen=True)
class FactSplitRecord:
    """The fact split the run used: for each set of ``fact_sets``, ``trained_relations_split(load_facts(set),
    heldout_fraction, seed)`` (for v1 the same as ``split_facts(load_facts(), heldout_fraction, seed)``), the sets'
    ids concatenated in order.

    ``trained_ids`` are the training facts whose answer and wrong answer are one token each (the ones used);
    ``heldout_relations`` are the relation types of the sets that were held out entirely.
    """

    seed: int
    heldout_fraction: float
    train_ids: tuple[str, ...]
    heldout_ids: tuple[str, ...]
    trained_ids: tuple[str, ...]
    fact_sets: tuple[str, ...] = ("v1",)
    heldout_relations: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParaphraseRecord:
    """The system-prompt templates trained on and held out (``heldout_indices`` into ``SYSTEM_TEMPLATES``)."""

    train: tuple[str, ...]
    heldout: tuple[str, ...]
    heldout_indices: tuple[int, ...]


@register_result
@dataclass(frozen=True, eq=False)
class TuneResult(Result):
    """An obedience-tuning run.

    Attributes:
        config: the settings.
        provenance: ``{"model": base model}``.
        fingerprint: the run's identity (settings and base model).
        adapter: the directory holding the adapter (as written; load it with
            ``rivalry.load_model(<base>, adapter=result.adapter)``).
        adapter_sha256: content hash of the adapter (``rivalry.models.loading.adapter_identity``).
        method: the training method in words.
        fact_split: the fact split.
        paraphrases: the system-prompt split.
        n_examples: training examples built (facts x templates x 3 cases).
        n_trainable_parameters: LoRA parameters trained.
        curve: one entry per step.
        timings: seconds and threads.
        versions: torch, transformers and peft versions.
    """

    KIND: ClassVar[str] = "obedience_tune"
    MAIN_FILE: ClassVar[str] = "training_config.json"
    SCHEMA_VERSION: ClassVar[int] = 2  # 2: fact_sets, heldout_relations, DPO steps (reward_margin)
    CONFIG: ClassVar[type[ObedienceTuneConfig]] = ObedienceTuneConfig

    config: ObedienceTuneConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    adapter: str
    adapter_sha256: str
    method: str
    fact_split: FactSplitRecord
    paraphrases: ParaphraseRecord
    n_examples: int
    n_trainable_parameters: int
    curve: tuple[TrainingStep, ...]
    timings: Timings
    versions: Mapping[str, str]

    @property
    def base(self) -> Provenance:
        return self.provenance["model"]

    @property
    def final_window(self) -> dict[str, float]:
        """Means of the last 20 steps' loss, cross-entropy, unlikelihood and accuracy (a less noisy end figure)."""
        tail = self.curve[-FINAL_WINDOW:]
        means: dict[str, float] = {}
        for key in ("loss", "cross_entropy", "unlikelihood", "accuracy", "reward_margin"):
            values = [getattr(row, key) for row in tail if getattr(row, key) is not None]
            if values:
                means[key] = sum(values) / len(values)
        return means

    def metrics(self) -> dict[str, Any]:
        """The contents of ``metrics.json`` (the layout earlier versions wrote)."""
        return {
            "curve": [asdict(step) for step in self.curve],
            "timings": asdict(self.timings),
            "n_trainable_parameters": self.n_trainable_parameters,
            "final_window": self.final_window,
        }

    def record(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "base_model": self.base.name,
            "adapter": self.adapter,
            "adapter_sha256": self.adapter_sha256,
            "fact_split": asdict(self.fact_split),
            "paraphrases": asdict(self.paraphrases),
            "n_examples": self.n_examples,
            "versions": dict(self.versions),
            "metrics": self.metrics(),
        }

    @classmethod
    def from_record(cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, torch.Tensor]) -> TuneResult:
        split, paraphrases, metrics = record["fact_split"], record["paraphrases"], record["metrics"]
        return cls(
            **meta,
            adapter=record["adapter"],
            adapter_sha256=record["adapter_sha256"],
            method=record["method"],
            fact_split=FactSplitRecord(
                seed=split["seed"],
                heldout_fraction=split["heldout_fraction"],
                train_ids=tuple(split["train_ids"]),
                heldout_ids=tuple(split["heldout_ids"]),
                trained_ids=tuple(split["trained_ids"]),
                fact_sets=tuple(split.get("fact_sets", ("v1",))),
                heldout_relations=tuple(split.get("heldout_relations", ())),
            ),
            paraphrases=ParaphraseRecord(
                train=tuple(paraphrases["train"]),
                heldout=tuple(paraphrases["heldout"]),
                heldout_indices=tuple(paraphrases["heldout_indices"]),
            ),
            n_examples=record["n_examples"],
            n_trainable_parameters=metrics["n_trainable_parameters"],
            curve=tuple(TrainingStep(**step) for step in metrics["curve"]),
            timings=Timings(**metrics["timings"]),
            versions=dict(record["versions"]),
        )

    def write_views(self, directory: Path) -> None:
        from rivalry.experiments.obedience_tune.card import model_card

        write_json(directory / METRICS_FILE, self.metrics())
        write_atomically(directory / CARD_FILE, model_card(self).encode("utf-8"))

    def to_pandas(self) -> Any:
        """The loss curve, one row per step."""
        import pandas as pd

        return pd.DataFrame([asdict(step) for step in self.curve])
