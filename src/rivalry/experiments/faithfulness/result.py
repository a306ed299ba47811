"""``FaithfulnessResult``: how well the k-site description predicts the model's suppression and the attacks.

Saved as ``faithfulness.json``: ``circuit_correlation``, ``circuit_mae_log10`` and ``recovered_by_k`` (keyed by k),
``attack_auroc``, ``baseline_auroc``, the per-fact circuit rows and per-attack predictions, plus ``kind``,
``schema_version``, config, provenance and fingerprint. ``circuit.csv`` and ``attack_predictions.csv`` are views.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch

from rivalry.core.sites import Site
from rivalry.experiments.base import Result, register_result
from rivalry.experiments.faithfulness.config import FaithfulnessConfig
from rivalry.io.atomic import csv_bytes, write_atomically
from rivalry.models.model import Provenance

SCHEMA_VERSION = 1


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve of ``scores`` for ``labels`` (ties count half); None with one class only."""
    positives = [s for s, y in zip(scores, labels, strict=True) if y]
    negatives = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not positives or not negatives:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


@dataclass(frozen=True)
class CircuitRow:
    """One fact: the full model's effect and the circuit's at each k (in the result's ``ks`` order)."""

    fact_id: str
    full_effect: float
    circuit_effects: tuple[float, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CircuitRow:
        return cls(str(data["fact_id"]), float(data["full_effect"]), tuple(float(v) for v in data["circuit_effects"]))


@dataclass(frozen=True)
class AttackPrediction:
    """One attacked prompt: the description's predicted effect and what the attack run measured."""

    attack: str
    template: str
    fact_id: str
    insertion: str
    predicted: float
    lo_clean: float
    effect_log10: float
    success: bool


@register_result
@dataclass(frozen=True, eq=False)
class FaithfulnessResult(Result):
    """What ``rivalry faithfulness`` measured (see the module doc for the files).

    Attributes:
        ks: description sizes; the last is every site (the full model, ablating nothing).
        order: the sites, most suppressive first (the description's ranking).
        circuit: per fact, full and circuit effects.
        heads: the attack run's heads (the description's attention x OV terms).
        predictions: per attacked prompt, the prediction and the outcome.
        attack_auroc, baseline_auroc: AUROC of the description and of the clean log odds for attack success.
    """

    KIND = "faithfulness"
    MAIN_FILE = "faithfulness.json"
    SCHEMA_VERSION = SCHEMA_VERSION
    CONFIG = FaithfulnessConfig

    config: FaithfulnessConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    ks: tuple[int, ...]
    order: tuple[Site, ...]
    circuit: tuple[CircuitRow, ...]
    heads: tuple[Site, ...]
    predictions: tuple[AttackPrediction, ...]
    attack_auroc: float | None
    baseline_auroc: float | None

    def _column(self, k: int) -> list[float]:
        i = self.ks.index(k)
        return [r.circuit_effects[i] for r in self.circuit]

    @property
    def circuit_correlation(self) -> dict[int, float | None]:
        """Pearson correlation over facts of the circuit's and the full model's effect, by k."""
        full = torch.tensor([r.full_effect for r in self.circuit], dtype=torch.float64)
        out: dict[int, float | None] = {}
        for k in self.ks:
            mine = torch.tensor(self._column(k), dtype=torch.float64)
            ok = len(self.circuit) > 1 and float(mine.std()) > 0 and float(full.std()) > 0
            out[k] = _finite(float(torch.corrcoef(torch.stack([mine, full]))[0, 1])) if ok else None
        return out

    @property
    def circuit_mae_log10(self) -> dict[int, float | None]:
        full = [r.full_effect for r in self.circuit]
        return {
            k: _finite(sum(abs(a - b) for a, b in zip(self._column(k), full, strict=True)) / len(full)) for k in self.ks
        }

    @property
    def recovered_by_k(self) -> dict[int, float | None]:
        """Mean circuit effect over the mean full effect, by k."""
        full = sum(r.full_effect for r in self.circuit) / len(self.circuit)
        return {k: _finite(sum(self._column(k)) / len(self.circuit) / full) if full else None for k in self.ks}

    def record(self) -> dict[str, Any]:
        def keyed(values: Mapping[int, float | None]) -> dict[str, float | None]:
            return {str(k): v for k, v in values.items()}

        return {
            "model": self.model,
            "n_facts": len(self.circuit),
            "ks": list(self.ks),
            "circuit_correlation": keyed(self.circuit_correlation),
            "circuit_mae_log10": keyed(self.circuit_mae_log10),
            "recovered_by_k": keyed(self.recovered_by_k),
            "attack_auroc": self.attack_auroc,
            "baseline_auroc": self.baseline_auroc,
            "n_attacks": len(self.predictions),
            "attack_success_rate": sum(p.success for p in self.predictions) / len(self.predictions)
            if self.predictions
            else None,
            "order": [s.to_dict() for s in self.order],
            "heads": [s.to_dict() for s in self.heads],
            "circuit": [asdict(r) for r in self.circuit],
            "predictions": [asdict(p) for p in self.predictions],
        }

    @classmethod
    def from_record(
        cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, torch.Tensor]
    ) -> FaithfulnessResult:
        return cls(
            **meta,
            ks=tuple(int(k) for k in record["ks"]),
            order=tuple(Site.from_dict(s) for s in record["order"]),
            circuit=tuple(CircuitRow.from_dict(r) for r in record["circuit"]),
            heads=tuple(Site.from_dict(s) for s in record["heads"]),
            predictions=tuple(
                AttackPrediction(**{f.name: p[f.name] for f in fields(AttackPrediction)}) for p in record["predictions"]
            ),
            attack_auroc=record["attack_auroc"],
            baseline_auroc=record["baseline_auroc"],
        )

    def write_views(self, directory: Path) -> None:
        columns = ("fact_id", "full_effect", *(f"k{k}" for k in self.ks))
        rows = [
            {
                "fact_id": r.fact_id,
                "full_effect": r.full_effect,
                **{f"k{k}": v for k, v in zip(self.ks, r.circuit_effects, strict=True)},
            }
            for r in self.circuit
        ]
        write_atomically(directory / "circuit.csv", csv_bytes(columns, rows))
        names = tuple(f.name for f in fields(AttackPrediction))
        write_atomically(directory / "attack_predictions.csv", csv_bytes(names, [asdict(p) for p in self.predictions]))

    def to_pandas(self) -> Any:
        """The per-fact circuit table (one column per k)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "fact_id": r.fact_id,
                    "full_effect": r.full_effect,
                    **{f"k{k}": v for k, v in zip(self.ks, r.circuit_effects, strict=True)},
                }
                for r in self.circuit
            ]
        )

    def summary_lines(self) -> list[str]:
        corr, rec, mae = self.circuit_correlation, self.recovered_by_k, self.circuit_mae_log10
        lines = [f"k={k}: circuit vs full effect r={corr[k]}, MAE {mae[k]} log10, recovered {rec[k]}" for k in self.ks]
        lines.append(
            f"attack success from the description: AUROC {self.attack_auroc} "
            f"(clean-odds baseline {self.baseline_auroc}) over {len(self.predictions)} attacked prompts"
        )
        return lines
