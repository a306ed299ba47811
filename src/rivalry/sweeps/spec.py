"""A sweep file: models, experiments with their configs, and grids over config fields.

YAML::

    name: templates                      # optional, for the report
    models:                              # label -> how to load it (rivalry.load_model's name and options)
      base: {name: smollm2}
      obedient: {name: smollm2-obedient, dtype: float32}
    resources: {cpus: 1, gpus: 0}        # per job on Ray (default 1 CPU, no GPU)
    experiments:
      - experiment: forbidden_facts
        models: [base, obedient]         # one job per model (default: every model); pair experiments take
                                         # pairs: [[base, obedient]] instead
        config: {split: heldout, limit: 8}
        grid: {seed: [0, 1]}             # every combination of these config fields
        shards: 2                        # split each run over 2 workers (forbidden_facts)

Everything is checked here, before any model is loaded or any job starts.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rivalry.errors import RivalryError
from rivalry.models.loading import DTYPES, LoadOptions, named_models
from rivalry.sweeps.catalog import sweep_experiment

_MODEL_KEYS = {"name", "adapter", "dtype", "device", "device_map", "trust_remote_code", "allow_pickle"}
_EXPERIMENT_KEYS = {"experiment", "models", "pairs", "config", "grid", "shards"}
_TOP_KEYS = {"name", "models", "experiments", "resources"}


@dataclass(frozen=True)
class ModelSpec:
    """How to load one model of a sweep: ``rivalry.load_model(name, **options)``."""

    label: str
    name: str
    adapter: str | None = None
    dtype: str = "float32"
    device: str = "cpu"
    device_map: str | None = None
    trust_remote_code: bool = False
    allow_pickle: bool = False

    def options(self) -> LoadOptions:
        return LoadOptions(
            dtype=self.dtype,
            device=self.device,
            device_map=self.device_map,
            allow_pickle=self.allow_pickle,
            trust_remote_code=self.trust_remote_code,
            adapter=self.adapter,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "name": self.name,
            "adapter": self.adapter,
            "dtype": self.dtype,
            "device": self.device,
            "device_map": self.device_map,
            "trust_remote_code": self.trust_remote_code,
            "allow_pickle": self.allow_pickle,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelSpec:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


@dataclass(frozen=True)
class ExperimentSpec:
    """One experiment entry: which models (or pairs), the base config, the grid and the shard count."""

    experiment: str
    model_sets: tuple[tuple[str, ...], ...]
    config: Mapping[str, Any]
    grid: Mapping[str, tuple[Any, ...]]
    shards: int = 1

    def grid_points(self) -> list[dict[str, Any]]:
        keys = sorted(self.grid)
        return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(self.grid[k] for k in keys))]


@dataclass(frozen=True)
class Resources:
    cpus: float = 1.0
    gpus: float = 0.0


@dataclass(frozen=True)
class SweepSpec:
    name: str
    models: Mapping[str, ModelSpec]
    experiments: tuple[ExperimentSpec, ...]
    resources: Resources = field(default_factory=Resources)


def _check_model_name(label: str, name: str, where: str) -> None:
    if name in named_models():
        return
    path = Path(name).expanduser()
    if path.is_dir():
        return
    if name.startswith((".", "/", "~")) or name.count("/") != 1:
        raise RivalryError(
            f"{where}: unknown model '{name}' for '{label}': not a named model ({', '.join(sorted(named_models()))}), "
            "an existing directory or a hub id (owner/name)"
        )


def _model_spec(label: str, data: Any, where: str) -> ModelSpec:
    if isinstance(data, str):
        data = {"name": data}
    if not isinstance(data, Mapping) or "name" not in data:
        raise RivalryError(f"{where}: model '{label}' needs a mapping with a 'name'")
    unknown = sorted(set(data) - _MODEL_KEYS)
    if unknown:
        raise RivalryError(f"{where}: model '{label}' has unknown key(s) {unknown}; known: {sorted(_MODEL_KEYS)}")
    if data.get("dtype", "float32") not in DTYPES:
        raise RivalryError(f"{where}: model '{label}' has dtype {data['dtype']!r}; choose one of {', '.join(DTYPES)}")
    _check_model_name(label, str(data["name"]), where)
    return ModelSpec(label=label, **{key: data[key] for key in data})


def _experiment_spec(entry: Any, index: int, labels: list[str], where: str) -> ExperimentSpec:
    here = f"{where}: experiments[{index}]"
    if not isinstance(entry, Mapping) or "experiment" not in entry:
        raise RivalryError(f"{here} needs a mapping with an 'experiment'")
    unknown = sorted(set(entry) - _EXPERIMENT_KEYS)
    if unknown:
        raise RivalryError(f"{here} has unknown key(s) {unknown}; known: {sorted(_EXPERIMENT_KEYS)}")
    catalog = sweep_experiment(str(entry["experiment"]))
    model_sets: tuple[tuple[str, ...], ...]
    if not isinstance(entry.get("models", []), list) or not isinstance(entry.get("pairs", []), list):
        raise RivalryError(f"{here}: 'models' and 'pairs' must be lists of model labels")
    if len(catalog.roles) == 1:
        if "pairs" in entry:
            raise RivalryError(f"{here}: {catalog.name} takes one model per job; use 'models', not 'pairs'")
        chosen = entry.get("models", labels)
        model_sets = tuple((str(label),) for label in chosen)
    else:
        if "pairs" not in entry:
            raise RivalryError(f"{here}: {catalog.name} takes {' and '.join(catalog.roles)}; give 'pairs'")
        model_sets = tuple(tuple(str(label) for label in pair) for pair in entry["pairs"])
        if any(len(pair) != len(catalog.roles) for pair in model_sets):
            raise RivalryError(f"{here}: every pair needs {len(catalog.roles)} model labels ({catalog.roles})")
    if not model_sets:
        raise RivalryError(f"{here}: no model to run on")
    for model_set in model_sets:
        for label in model_set:
            if label not in labels:
                raise RivalryError(f"{here}: model label '{label}' is not under 'models' ({', '.join(labels)})")
    config = entry.get("config") or {}
    grid_raw = entry.get("grid") or {}
    if not isinstance(config, Mapping) or not isinstance(grid_raw, Mapping):
        raise RivalryError(f"{here}: 'config' and 'grid' must be mappings")
    grid: dict[str, tuple[Any, ...]] = {}
    for key, values in grid_raw.items():
        if not isinstance(values, list) or not values:
            raise RivalryError(f"{here}: grid field '{key}' needs a non-empty list of values")
        grid[str(key)] = tuple(values)
    shards = entry.get("shards", 1)
    if not isinstance(shards, int) or shards < 1:
        raise RivalryError(f"{here}: shards must be a positive integer, got {shards!r}")
    if shards > 1 and catalog.compute_shards is None:
        raise RivalryError(f"{here}: {catalog.name} cannot be split into shards; remove 'shards'")
    spec = ExperimentSpec(catalog.name, model_sets, dict(config), grid, shards)
    for point in spec.grid_points():  # every config must build, inputs included, before any job starts
        try:
            catalog.config_class.from_dict({**config, **point}).check_inputs()
        except RivalryError as error:
            raise RivalryError(f"{here}: {error}") from None
    return spec


def parse_sweep(data: Any, where: str = "sweep") -> SweepSpec:
    """A validated :class:`SweepSpec` from a sweep file's parsed YAML; one line on the first problem."""
    if not isinstance(data, Mapping):
        raise RivalryError(f"{where}: expected a mapping with 'models' and 'experiments'")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise RivalryError(f"{where}: unknown key(s) {unknown}; known: {sorted(_TOP_KEYS)}")
    raw_models = data.get("models")
    if not isinstance(raw_models, Mapping) or not raw_models:
        raise RivalryError(f"{where}: 'models' must map at least one label to a model")
    models = {str(label): _model_spec(str(label), spec, where) for label, spec in raw_models.items()}
    raw_experiments = data.get("experiments")
    if not isinstance(raw_experiments, list) or not raw_experiments:
        raise RivalryError(f"{where}: 'experiments' must be a non-empty list")
    experiments = tuple(
        _experiment_spec(entry, index, list(models), where) for index, entry in enumerate(raw_experiments)
    )
    raw_resources = data.get("resources") or {}
    if not isinstance(raw_resources, Mapping) or set(raw_resources) - {"cpus", "gpus"}:
        raise RivalryError(f"{where}: 'resources' takes 'cpus' and 'gpus'")
    resources = Resources(**{key: float(value) for key, value in raw_resources.items()})
    return SweepSpec(str(data.get("name", Path(where).stem)), models, experiments, resources)


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep file (YAML)."""
    file = Path(path)
    if not file.is_file():
        raise RivalryError(f"sweep file '{path}' does not exist")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise RivalryError(f"sweep file '{path}'{line}: not valid YAML") from None
    return parse_sweep(data, str(path))
