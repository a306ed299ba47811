"""A sweep expanded into jobs: one (experiment, models, config) each, with a stable id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rivalry.experiments.base import ExperimentConfig
from rivalry.io.hashing import sha256_json
from rivalry.sweeps.catalog import sweep_experiment
from rivalry.sweeps.spec import ModelSpec, SweepSpec


@dataclass(frozen=True)
class Job:
    """One run of a sweep.

    Attributes:
        job_id: the first 16 hex digits of the SHA-256 of (experiment, every model's load spec, the full config):
            the same job in another sweep file or a rerun has the same id. The run's full fingerprint (model
            weights' identity included) is checked by its store when it runs.
        experiment: the catalog name.
        models: role -> load spec.
        config: the experiment's config (base config plus this grid point).
        grid_point: the grid fields of this job (for the table).
        shards: into how many shards the run is split on Ray (1: not split).
    """

    job_id: str
    experiment: str
    models: Mapping[str, ModelSpec]
    config: ExperimentConfig
    grid_point: Mapping[str, Any]
    shards: int = 1

    @property
    def directory_name(self) -> str:
        labels = "+".join(spec.label for spec in self.models.values())
        return f"{self.experiment}-{labels}-{self.job_id}"

    @property
    def model_labels(self) -> dict[str, str]:
        return {role: spec.label for role, spec in self.models.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "experiment": self.experiment,
            "models": {role: spec.to_dict() for role, spec in self.models.items()},
            "config": self.config.to_dict(),
            "grid_point": dict(self.grid_point),
            "shards": self.shards,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Job:
        catalog = sweep_experiment(data["experiment"])
        return cls(
            job_id=data["job_id"],
            experiment=data["experiment"],
            models={role: ModelSpec.from_dict(spec) for role, spec in data["models"].items()},
            config=catalog.config_class.from_dict(data["config"]),
            grid_point=dict(data["grid_point"]),
            shards=int(data["shards"]),
        )


def job_identity(experiment: str, models: Mapping[str, ModelSpec], config: ExperimentConfig) -> str:
    """The job id: a hash of what decides the job (labels excluded: renaming a model keeps its jobs)."""
    loads = {role: {k: v for k, v in spec.to_dict().items() if k != "label"} for role, spec in models.items()}
    return sha256_json({"experiment": experiment, "models": loads, "config": config.to_dict()})[:16]


def expand(spec: SweepSpec) -> list[Job]:
    """Every job of ``spec``, in file order (experiments, then model sets, then grid points); duplicates once."""
    jobs: list[Job] = []
    seen: set[str] = set()
    for entry in spec.experiments:
        catalog = sweep_experiment(entry.experiment)
        for model_set in entry.model_sets:
            models = {role: spec.models[label] for role, label in zip(catalog.roles, model_set, strict=True)}
            for point in entry.grid_points():
                config = catalog.config_class.from_dict({**entry.config, **point})
                job_id = job_identity(entry.experiment, models, config)
                if job_id in seen:
                    continue
                seen.add(job_id)
                jobs.append(Job(job_id, entry.experiment, models, config, point, entry.shards))
    return jobs
