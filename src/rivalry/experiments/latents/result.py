"""``LatentsResult``: per model and residual point, how well a linear probe decodes the hidden variable on held-out
groups, against its controls; what the output gives away; and, for two models, the change with CIs.

Saved as ``latents.json``::

    kind, schema_version, config, provenance, fingerprint
    variable      {name, description, classes, group_keys, read_at, continuous, n_items, n_train, n_test}
    models        {role: {name, best_layer, layers: [{layer, point, probe_auroc | probe_r2 (+ probe_kl_nats, ...),
                   control_random_init, control_shuffled, selectivity_random_init, selectivity_shuffled, ...}],
                   probe_ci, output_leak: {next_token_auroc, samples_auroc, bits_lower_bound, ..., forbidden_word},
                   model_posterior_kl_nats (genre)}}
    comparison    {model, compare_with, probe_delta, next_token_auroc_delta, bits_delta, reading, reading_text} | null
    test_items    [{item, label, groups}] (the held-out items, in the order of the per-example arrays)

``latents.safetensors`` holds the per-example held-out scores (``<role>.probe_scores`` [layer, test item] for a
label, ``<role>.probe_posterior`` with ``exact_posterior`` for the genre); ``latents_layers.csv`` and
``latents_scores.csv`` are views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from rivalry.experiments.base import Result, register_result
from rivalry.io.atomic import csv_bytes, write_atomically
from rivalry.models.model import Provenance

from .config import LatentsConfig

LAYER_COLUMNS = (
    "probe_auroc",
    "probe_accuracy",
    "probe_r2",
    "probe_r2_softmax",
    "probe_kl_nats",
    "probe_kl_nats_after_20_tokens",
    "control_random_init",
    "control_shuffled",
    "selectivity_random_init",
    "selectivity_shuffled",
)


def _fmt(value: Any) -> str:
    return "" if value is None else f"{value:.6g}" if isinstance(value, float) else str(value)


@register_result
@dataclass(frozen=True, eq=False)
class LatentsResult(Result):
    """Probes, controls and output observers of one or two models on one hidden-variable set."""

    KIND = "latents"
    MAIN_FILE = "latents.json"
    SCHEMA_VERSION = 1
    CONFIG = LatentsConfig

    config: LatentsConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    variable: Mapping[str, Any]
    models: Mapping[str, Mapping[str, Any]]
    comparison: Mapping[str, Any] | None
    test_items: tuple[Mapping[str, Any], ...]
    arrays: Mapping[str, torch.Tensor]

    @property
    def continuous(self) -> bool:
        return bool(self.variable["continuous"])

    @property
    def metric(self) -> str:
        """The probe's main score: ``probe_r2`` for the genre posterior, else ``probe_auroc``."""
        return "probe_r2" if self.continuous else "probe_auroc"

    def best(self, role: str = "model") -> Mapping[str, Any]:
        """The best layer's row of ``role``."""
        block = self.models[role]
        return block["layers"][block["best_layer"]]

    def record(self) -> dict[str, Any]:
        return {
            "variable": dict(self.variable),
            "models": {role: dict(block) for role, block in self.models.items()},
            "comparison": None if self.comparison is None else dict(self.comparison),
            "test_items": [dict(item) for item in self.test_items],
        }

    @classmethod
    def from_record(cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, Any]) -> LatentsResult:
        return cls(
            **meta,
            variable=record["variable"],
            models=record["models"],
            comparison=record["comparison"],
            test_items=tuple(record["test_items"]),
            arrays=dict(tensors),
        )

    def tensors(self) -> dict[str, torch.Tensor]:
        return dict(self.arrays)

    def layer_rows(self) -> list[dict[str, Any]]:
        """One row per model and residual point."""
        rows = []
        for role, block in self.models.items():
            for layer in block["layers"]:
                rows.append(
                    {
                        "role": role,
                        "model": block["name"],
                        "layer": layer["layer"],
                        "point": layer["point"],
                        "best": layer["layer"] == block["best_layer"],
                        **{k: layer.get(k) for k in LAYER_COLUMNS},
                    }
                )
        return rows

    def score_rows(self) -> list[dict[str, Any]]:
        """Per-example held-out scores: every layer's probe P(positive) for a label set; for the genre posterior
        the best layer's softmax-probe posterior against the exact one, per token."""
        rows: list[dict[str, Any]] = []
        for role, block in self.models.items():
            if self.continuous:
                probe = self.arrays.get(f"{role}.probe_posterior")
                if probe is None:
                    continue
                exact = self.arrays["exact_posterior"]
                texts, tokens = self.arrays["test_text"], self.arrays["test_token"]
                for r in range(probe.shape[0]):
                    rows.append(
                        {
                            "role": role,
                            "model": block["name"],
                            "layer": block["best_layer"],
                            "text": int(texts[r]),
                            "token": int(tokens[r]),
                            **{f"exact_{c}": float(exact[r, j]) for j, c in enumerate(self.variable["classes"])},
                            **{f"probe_{c}": float(probe[r, j]) for j, c in enumerate(self.variable["classes"])},
                        }
                    )
                continue
            scores = self.arrays[f"{role}.probe_scores"]
            for layer in range(scores.shape[0]):
                for j, item in enumerate(self.test_items):
                    rows.append(
                        {
                            "role": role,
                            "model": block["name"],
                            "layer": layer,
                            "item": item["item"],
                            "label": item["label"],
                            **item["groups"],
                            "probe_p_positive": float(scores[layer, j]),
                        }
                    )
        return rows

    def write_views(self, directory: Path) -> None:
        """``latents_layers.csv`` (model x layer) and ``latents_scores.csv`` (per-example held-out scores)."""
        layers = self.layer_rows()
        columns = ["role", "model", "layer", "point", "best", *LAYER_COLUMNS]
        write_atomically(
            directory / "latents_layers.csv", csv_bytes(columns, [{k: _fmt(r[k]) for k in columns} for r in layers])
        )
        scores = self.score_rows()
        if scores:
            columns = list(scores[0])
            write_atomically(
                directory / "latents_scores.csv",
                csv_bytes(columns, [{k: _fmt(r.get(k)) for k in columns} for r in scores]),
            )

    def to_pandas(self) -> Any:
        """One row per model and residual point, as a ``pandas.DataFrame``."""
        import pandas as pd

        return pd.DataFrame(self.layer_rows())
