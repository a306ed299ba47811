"""``DirectionsResult``: a contrast's directions at every point, the selected one's interventions and controls.

Saved as ``directions.json`` (``kind``, ``schema_version``, ``config``, ``provenance``, ``fingerprint``, and
``contrast``, ``score_unit``, ``nc_accuracy_rule``, ``n_fit``, ``n_heldout``, ``points``, ``selected_point``,
``selection``, ``layers`` (per point: ``heldout_separation``, ``heldout_auc``, ``probe_heldout_accuracy``,
``probe_cosine``, selection effects), ``interventions`` (per intervention: ``effect``, ``random_p95``,
``percentile``, ``kl_neutral_nats``, ``nc_accuracy_change``, ...), ``projections``) and ``directions.safetensors``
(``directions [point, d_model]``: difference of means; ``probe_directions [point, d_model]``: unit probe
weights); ``directions_layers.csv`` and ``directions_interventions.csv`` are views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from rivalry.experiments.base import Result, register_result
from rivalry.io.atomic import csv_bytes, write_atomically
from rivalry.models.model import Provenance

from .config import DirectionsConfig


@dataclass(frozen=True)
class LayerRow:
    """One residual point's direction: its norm, held-out scores, the probe's, and the selection effects (train
    side; None for points not tried)."""

    point: int
    name: str
    norm: float
    heldout_separation: float
    heldout_auc: float
    probe_heldout_accuracy: float
    probe_cosine: float  # cosine of the probe's weight with the difference of means
    select_ablation_effect: float | None
    select_addition_effect: float | None


@dataclass(frozen=True)
class InterventionRow:
    """One intervention with the selected point's direction, against ``len(random_effects)`` random directions.

    ``effect`` is the mean change of the score on its target prompts (``ablate_on`` or ``add_on``);
    ``random_p95`` the random effect that 95% of the random directions do not exceed in the intended direction;
    ``percentile`` the percent of random effects the direction's effect beats in that direction;
    ``nc_accuracy_change`` the change in non-competing accuracy, in percentage points, with the edit applied to
    the non-competing prompts.
    """

    name: str
    kind: str  # ablation | addition
    source: str  # mean_difference | probe
    point: int
    scale: float
    target: str  # ablate_on | add_on
    n: int
    clean_mean: float
    edited_mean: float
    effect: float
    intended_sign: float
    random_effects: tuple[float, ...]
    random_p95: float | None
    percentile: float | None
    kl_neutral_nats: float
    nc_accuracy_clean: float
    nc_accuracy_edited: float
    nc_accuracy_change: float
    subsets: Mapping[str, Mapping[str, float]]  # subset -> {n, clean, edited}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["random_effects"] = list(self.random_effects)
        data["subsets"] = {k: dict(v) for k, v in self.subsets.items()}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InterventionRow:
        values = {f.name: data[f.name] for f in fields(cls)}
        values["random_effects"] = tuple(values["random_effects"])
        return cls(**values)


@dataclass(frozen=True)
class ProjectionRow:
    """Mean and standard deviation of ``x · r̂`` at the selected point, at the last token of one subset's prompts."""

    model: str  # role: model or base
    model_name: str
    subset: str
    n: int
    mean: float
    std: float


@register_result
@dataclass(frozen=True, eq=False)
class DirectionsResult(Result):
    """Directions of a contrast at every point, the interventions with the selected one, controls and costs."""

    KIND = "directions"
    MAIN_FILE = "directions.json"
    SCHEMA_VERSION = 1
    CONFIG = DirectionsConfig

    config: DirectionsConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    contrast: str
    score_unit: str
    nc_accuracy_rule: str
    n_fit: int
    n_heldout: int
    points: tuple[str, ...]
    selected_point: int
    selection: str
    layers: tuple[LayerRow, ...]
    interventions: tuple[InterventionRow, ...]
    projections: tuple[ProjectionRow, ...]
    directions: Tensor  # [point, d_model] difference of means (train split)
    probe_directions: Tensor  # [point, d_model] unit probe weights

    def direction(self, point: int | None = None) -> Tensor:
        """The difference-of-means direction at ``point`` (default: the selected one)."""
        return self.directions[self.selected_point if point is None else point].clone()

    def intervention(self, name: str) -> InterventionRow:
        for row in self.interventions:
            if row.name == name:
                return row
        raise KeyError(name)

    def record(self) -> dict[str, Any]:
        return {
            "contrast": self.contrast,
            "score_unit": self.score_unit,
            "nc_accuracy_rule": self.nc_accuracy_rule,
            "n_fit": self.n_fit,
            "n_heldout": self.n_heldout,
            "points": list(self.points),
            "selected_point": self.selected_point,
            "selection": self.selection,
            "layers": [asdict(row) for row in self.layers],
            "interventions": [row.to_dict() for row in self.interventions],
            "projections": [asdict(row) for row in self.projections],
        }

    @classmethod
    def from_record(cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, Any]) -> DirectionsResult:
        return cls(
            **meta,
            contrast=record["contrast"],
            score_unit=record["score_unit"],
            nc_accuracy_rule=record["nc_accuracy_rule"],
            n_fit=record["n_fit"],
            n_heldout=record["n_heldout"],
            points=tuple(record["points"]),
            selected_point=record["selected_point"],
            selection=record["selection"],
            layers=tuple(LayerRow(**row) for row in record["layers"]),
            interventions=tuple(InterventionRow.from_dict(row) for row in record["interventions"]),
            projections=tuple(ProjectionRow(**row) for row in record["projections"]),
            directions=tensors["directions"],
            probe_directions=tensors["probe_directions"],
        )

    def tensors(self) -> dict[str, torch.Tensor]:
        return {"directions": self.directions, "probe_directions": self.probe_directions}

    def write_views(self, directory: Path) -> None:
        """``directions_layers.csv`` (one row per point) and ``directions_interventions.csv``."""
        layer_columns = [f.name for f in fields(LayerRow)]
        layer_rows = [{k: _cell(v) for k, v in asdict(row).items()} for row in self.layers]
        write_atomically(directory / "directions_layers.csv", csv_bytes(layer_columns, layer_rows))
        columns = [f.name for f in fields(InterventionRow) if f.name not in ("random_effects", "subsets")]
        rows = [{k: _cell(getattr(row, k)) for k in columns} for row in self.interventions]
        write_atomically(directory / "directions_interventions.csv", csv_bytes(columns, rows))

    def to_pandas(self) -> Any:
        """One row per intervention (the main table), as a ``pandas.DataFrame``."""
        import pandas as pd

        return pd.DataFrame([{k: v for k, v in row.to_dict().items() if k != "subsets"} for row in self.interventions])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
