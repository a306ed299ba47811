"""``PersonasResult``: the battery's scores per model, condition and trait, shifts, reliabilities, persona vectors.

Saved as ``personas.json`` (``kind`` ``personas``): ``battery``, ``models``, ``conditions``, ``traits``,
``statements``, ``scores`` (per model, condition and trait: ``agreement``, ``ci_low``, ``ci_high``,
``split_half_r``, ``answer_mass``), ``shifts`` (vs the first model unprompted, and organism vs control),
``directions`` (per model and trait: ``projection_r`` with its interval, the direction's held-out AUC),
``data_projection`` (per trait: the tuning data's projections and the shift they are set against) and
``prediction_r``. ``personas.safetensors`` holds every statement's ``P(yes)`` and answer mass
``[model, condition, statement]``, the panel's ``panel_p_yes`` and its projections; ``personas.csv`` (one row per model,
condition and statement, unprompted and prompted) and ``personas_traits.csv`` are views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from rivalry.experiments.base import Result, register_result
from rivalry.io.atomic import csv_bytes, write_atomically
from rivalry.models.model import Provenance

from .config import PersonasConfig


def _from(cls, data: Mapping[str, Any]):
    return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class TraitInfo:
    name: str
    description: str
    agentic: bool
    n_statements: int


@dataclass(frozen=True)
class StatementInfo:
    trait: str
    index: int  # within the trait
    text: str
    key: str  # toward | against


@dataclass(frozen=True)
class TraitScore:
    """A trait's keyed agreement under one model and condition, its 95% bootstrap interval over statements,
    the split-half reliability over the model's panel (the same for its conditions; None when undefined or the
    model was not scored on the panel) and the
    mean probability mass on the Yes/No tokens."""

    model: str
    condition: str  # plain | prompted
    trait: str
    agreement: float
    ci_low: float
    ci_high: float
    split_half_r: float | None
    answer_mass: float


@dataclass(frozen=True)
class Shift:
    """``agreement(model, condition) - agreement(reference_model, reference_condition)`` with a paired bootstrap
    95% interval over statements."""

    model: str
    condition: str
    reference_model: str
    reference_condition: str
    trait: str
    shift: float
    ci_low: float
    ci_high: float

    @property
    def excludes_zero(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0


@dataclass(frozen=True)
class DirectionScore:
    """A model's persona vector of a trait: its point, held-out AUC (trait vs anti-trait prompts), and the
    correlation across the panel's prompts between the last-token projection and the battery score."""

    model: str
    trait: str
    point: int
    norm: float
    heldout_auc: float
    projection_r: float | None
    r_ci_low: float | None
    r_ci_high: float | None
    n_prompts: int


@dataclass(frozen=True)
class DataProjection:
    """The organism's and the control's tuning data projected on a trait direction of the first model (before
    tuning), their difference (the predicted push) and the shift the organism shows over the control."""

    trait: str
    organism_data: float
    control_data: float
    difference: float
    measured_shift: float | None  # agreement(organism) - agreement(control), unprompted; None without both


@register_result
@dataclass(frozen=True, eq=False)
class PersonasResult(Result):
    """Battery scores, shifts, reliabilities and persona vectors; ``provenance`` has ``base`` then ``compare_<i>``."""

    KIND = "personas"
    MAIN_FILE = "personas.json"
    SCHEMA_VERSION = 1
    CONFIG = PersonasConfig

    config: PersonasConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    battery: str
    prompt_format: str
    models: tuple[str, ...]
    conditions: tuple[str, ...]  # the panel: plain, prompted, then each trait's toward/against persona prompts
    systems: tuple[str | None, ...]  # the system prompt of each condition
    traits: tuple[TraitInfo, ...]
    statements: tuple[StatementInfo, ...]
    scores: tuple[TraitScore, ...]
    shifts: tuple[Shift, ...]
    directions: tuple[DirectionScore, ...]
    data_projection: tuple[DataProjection, ...]
    prediction_r: float | None
    p_yes: torch.Tensor  # [model, condition (plain, prompted), statement] float64
    answer_mass: torch.Tensor  # [model, condition (plain, prompted), statement] float64
    panel_p_yes: torch.Tensor  # [panel model, panel condition, statement] float64 (the first model, or all)
    projections: torch.Tensor  # [panel model, panel condition, trait] float64 (empty without vectors)

    def record(self) -> dict[str, Any]:
        return {
            "battery": self.battery,
            "prompt_format": self.prompt_format,
            "models": list(self.models),
            "conditions": list(self.conditions),
            "systems": list(self.systems),
            "traits": [asdict(t) for t in self.traits],
            "statements": [asdict(s) for s in self.statements],
            "scores": [asdict(s) for s in self.scores],
            "shifts": [asdict(s) for s in self.shifts],
            "directions": [asdict(d) for d in self.directions],
            "data_projection": [asdict(d) for d in self.data_projection],
            "prediction_r": self.prediction_r,
        }

    @classmethod
    def from_record(cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, Any]) -> PersonasResult:
        return cls(
            **meta,
            battery=record["battery"],
            prompt_format=record["prompt_format"],
            models=tuple(record["models"]),
            conditions=tuple(record["conditions"]),
            systems=tuple(record["systems"]),
            traits=tuple(_from(TraitInfo, t) for t in record["traits"]),
            statements=tuple(_from(StatementInfo, s) for s in record["statements"]),
            scores=tuple(_from(TraitScore, s) for s in record["scores"]),
            shifts=tuple(_from(Shift, s) for s in record["shifts"]),
            directions=tuple(_from(DirectionScore, d) for d in record["directions"]),
            data_projection=tuple(_from(DataProjection, d) for d in record["data_projection"]),
            prediction_r=record["prediction_r"],
            p_yes=tensors["p_yes"],
            answer_mass=tensors["answer_mass"],
            panel_p_yes=tensors["panel_p_yes"],
            projections=tensors.get("projections", torch.zeros(0, dtype=torch.float64)),
        )

    def tensors(self) -> dict[str, torch.Tensor]:
        return {"p_yes": self.p_yes, "answer_mass": self.answer_mass, "panel_p_yes": self.panel_p_yes,
                "projections": self.projections}  # fmt: skip

    def score(self, model: str, condition: str, trait: str) -> TraitScore:
        for s in self.scores:
            if (s.model, s.condition, s.trait) == (model, condition, trait):
                return s
        raise KeyError((model, condition, trait))

    def statement_rows(self) -> list[dict[str, Any]]:
        """One row per model, condition (plain, prompted) and statement."""
        rows = []
        for m, model in enumerate(self.models):
            for c, condition in enumerate(("plain", "prompted")):
                for i, st in enumerate(self.statements):
                    p = float(self.p_yes[m, c, i])
                    rows.append({
                        "model": model, "condition": condition, "trait": st.trait, "index": st.index,
                        "key": st.key, "statement": st.text, "p_yes": p,
                        "keyed_agreement": p if st.key == "toward" else 1.0 - p,
                        "answer_mass": float(self.answer_mass[m, c, i]),
                    })  # fmt: skip
        return rows

    def write_views(self, directory: Path) -> None:
        rows = self.statement_rows()
        columns = ["model", "condition", "trait", "index", "key", "statement", "p_yes", "keyed_agreement",
                   "answer_mass"]  # fmt: skip
        for r in rows:
            for k in ("p_yes", "keyed_agreement", "answer_mass"):
                r[k] = f"{r[k]:.6g}"
        write_atomically(directory / "personas.csv", csv_bytes(columns, rows))
        trait_columns = list(TraitScore.__dataclass_fields__)
        trait_rows = [{k: ("" if v is None else f"{v:.6g}" if isinstance(v, float) else v)
                       for k, v in asdict(s).items()} for s in self.scores]  # fmt: skip
        write_atomically(directory / "personas_traits.csv", csv_bytes(trait_columns, trait_rows))

    def to_pandas(self) -> Any:
        """One row per model, condition and trait (the scores)."""
        import pandas as pd

        return pd.DataFrame([asdict(s) for s in self.scores])
