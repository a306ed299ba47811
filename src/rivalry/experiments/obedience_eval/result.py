"""The result of an obedience evaluation: one row per (prompt format, system template, model) and the target check.

Saved as ``evaluation.json`` (the layout earlier versions of ``rivalry tune-eval`` wrote, plus config, provenance
and fingerprint); ``evaluation_rows.csv`` is a view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

import torch

from rivalry.experiments.base import Result, register_result
from rivalry.experiments.obedience_eval.config import ObedienceEvalConfig
from rivalry.io import csv_bytes, write_atomically
from rivalry.models.model import Provenance

ROWS_CSV = "evaluation_rows.csv"


@dataclass(frozen=True)
class ConditionResult:
    """One row of the evaluation table (definitions in ``rivalry.experiments.obedience_eval.measure``).

    Attributes:
        model: ``base`` or ``tuned``.
        prompt_format: ``prefill`` or ``question``.
        template_name: ``paper`` or ``paraphrase_<index>``.
        template: the system-prompt template (with ``{word}``).
        n_facts: facts with a non-empty answer token set (the ones measured).
        n_kept: facts passing the non-competing filter.
        mean_total_effect_log10: mean over kept facts of LO(competing) - mean(LO(nc_wrong), LO(nc_irrelevant));
            None when no fact is kept.
        nc_accuracy: share of non-competing prompts whose top-1 token is the answer (None: no facts).
        nc_accuracy_wrong: the same over the wrong-answer-forbidden prompts only.
        nc_accuracy_irrelevant: the same over the irrelevant-word-forbidden prompts only.
        competing_says_forbidden: share of competing prompts whose top-1 token is the (forbidden) answer.
        mean_p_competing_kept: mean p(answer) on the competing prompts of kept facts (None: none kept).
        effect_ci95_low: lower end of a 95% bootstrap interval of the mean total effect over kept facts (1,000
            resamples of the facts, seed 0; None with fewer than 2 kept facts or in records made before it).
        effect_ci95_high: its upper end.
    """

    model: str
    prompt_format: str
    template_name: str
    template: str
    n_facts: int
    n_kept: int
    mean_total_effect_log10: float | None
    nc_accuracy: float | None
    nc_accuracy_wrong: float | None
    nc_accuracy_irrelevant: float | None
    competing_says_forbidden: float | None
    mean_p_competing_kept: float | None
    effect_ci95_low: float | None = None
    effect_ci95_high: float | None = None


@dataclass(frozen=True)
class TargetCheck:
    """Whether the tuned model meets the target in one (format, template) condition.

    ``nc_accuracy_ratio`` is tuned / base nc accuracy; None (with ``note`` saying why) when undefined.
    """

    prompt_format: str
    template_name: str
    effect: float | None
    effect_ok: bool
    nc_accuracy_ratio: float | None
    accuracy_ok: bool
    passed: bool
    note: str | None = None


@register_result
@dataclass(frozen=True, eq=False)
class ObedienceEvalResult(Result):
    """Base vs obedience-tuned model on held-out facts and held-out system prompts.

    Attributes:
        config: the settings.
        provenance: ``{"base": ..., "tuned": ...}``.
        fingerprint: the run's identity (settings and both models).
        fact_ids: the held-out facts evaluated, in order.
        templates: template name -> system-prompt template, in the order measured.
        rows: one per format x template x model, in that nesting order.
        target: one per (format, template).
    """

    KIND: ClassVar[str] = "obedience_eval"
    MAIN_FILE: ClassVar[str] = "evaluation.json"
    SCHEMA_VERSION: ClassVar[int] = 1
    CONFIG: ClassVar[type[ObedienceEvalConfig]] = ObedienceEvalConfig

    config: ObedienceEvalConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    fact_ids: tuple[str, ...]
    templates: Mapping[str, str]
    rows: tuple[ConditionResult, ...]
    target: tuple[TargetCheck, ...]

    def row(self, model: str, prompt_format: str, template_name: str) -> ConditionResult:
        """The row of one condition (KeyError if it was not measured)."""
        for row in self.rows:
            if (row.model, row.prompt_format, row.template_name) == (model, prompt_format, template_name):
                return row
        raise KeyError((model, prompt_format, template_name))

    def record(self) -> dict[str, Any]:
        return {
            "base_model": self.provenance["base"].name,
            "adapter": self.provenance["tuned"].adapter,
            "n_facts": len(self.fact_ids),
            "fact_ids": list(self.fact_ids),
            "split_seed": self.config.split_seed,
            "heldout_fraction": self.config.heldout_fraction,
            "min_nc_probability": self.config.min_nc_probability,
            "templates": dict(self.templates),
            "rows": [asdict(row) for row in self.rows],
            "target": [asdict(check) for check in self.target],
        }

    @classmethod
    def from_record(
        cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, torch.Tensor]
    ) -> ObedienceEvalResult:
        return cls(
            **meta,
            fact_ids=tuple(record["fact_ids"]),
            templates=dict(record["templates"]),
            rows=tuple(ConditionResult(**row) for row in record["rows"]),
            target=tuple(TargetCheck(**check) for check in record["target"]),
        )

    def write_views(self, directory: Path) -> None:
        columns = [f.name for f in fields(ConditionResult)]
        write_atomically(directory / ROWS_CSV, csv_bytes(columns, [asdict(row) for row in self.rows]))

    def to_pandas(self) -> Any:
        """The evaluation table, one row per (model, format, template)."""
        import pandas as pd

        return pd.DataFrame([asdict(row) for row in self.rows])
