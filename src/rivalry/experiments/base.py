"""The experiment pattern every rivalry job follows: ``Config`` -> ``run`` -> ``Result`` -> ``report``.

- A config is a frozen dataclass that subclasses :class:`ExperimentConfig`: typed fields validated in
  ``__post_init__``, ``to_dict``/``from_dict``, ``replace(**overrides)``; fields holding input files are named in
  ``input_files`` so their *content* enters the fingerprint.
- :func:`fingerprint` is everything that decides a run's numbers: the experiment, the config, each model's
  identity (name, base and adapter hashes, dtype, device class) and the input files' hashes. A resumed run must
  match it field for field.
- A result is a frozen dataclass that subclasses :class:`Result`; it carries its config, its models' provenance and
  its fingerprint, and saves itself as one JSON record (plus one safetensors file for tensors). Other files it
  writes (CSVs) are views, never read back.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Self, TypeVar, get_args, get_origin, get_type_hints

import torch
from safetensors.torch import load_file, save_file

from rivalry.errors import RivalryError
from rivalry.io.atomic import json_text, read_json, write_atomically
from rivalry.io.hashing import sha256_file
from rivalry.models.model import Model, Provenance

SCHEMA_KEY = "schema_version"
KIND_KEY = "kind"


class ExperimentConfig:
    """Mixin for a frozen dataclass of an experiment's settings."""

    input_files: ClassVar[tuple[str, ...]] = ()  # fields naming files whose content decides the numbers
    # fields added after runs were made with this config: left out of the fingerprint while at their default, so
    # a run made before they existed (which computed exactly what the default computes) still resumes
    late_fields: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def identity_dict(self) -> dict[str, Any]:
        """The settings that go into a run's fingerprint: :meth:`to_dict` less the late fields at their default."""
        defaults = {f.name: f.default for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        data = self.to_dict()
        for name in self.late_fields:
            if getattr(self, name) == defaults[name]:
                del data[name]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build a config from a dict (a saved result's, or a YAML file's); unknown keys are an error."""
        if not isinstance(data, Mapping):
            raise RivalryError(f"{cls.__name__}: expected a mapping of settings, got {type(data).__name__}")
        hints = get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - names)
        if unknown:
            known = ", ".join(sorted(names))
            raise RivalryError(f"{cls.__name__}: unknown setting(s) {', '.join(unknown)}; known: {known}")
        return cls(**{key: coerce(value, hints[key], f"{cls.__name__}.{key}") for key, value in data.items()})

    def replace(self, **overrides: Any) -> Self:
        """A copy with some fields changed (validated again); unknown names are an error."""
        return type(self).from_dict({**self.to_dict(), **overrides})

    def input_hashes(self) -> dict[str, str | None]:
        """SHA-256 of each input file named by the config (None where the field is unset or names a shipped set)."""
        hashes: dict[str, str | None] = {}
        for name in self.input_files:
            value = getattr(self, name)
            path = Path(value) if isinstance(value, str) and value else None
            hashes[name] = sha256_file(path) if path is not None and path.is_file() else None
        return hashes

    def check_inputs(self) -> None:
        """Read the input files now, so a bad one fails before a model is loaded (override per experiment)."""


C = TypeVar("C", bound=ExperimentConfig)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, ExperimentConfig):
        return value.to_dict()
    return value


def coerce(value: Any, hint: Any, where: str) -> Any:
    """``value`` converted to the annotated type where JSON/YAML lose it (lists to tuples, ints to floats)."""
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return coerce(value, option, where)
            except RivalryError as error:
                errors.append(str(error))
        raise RivalryError(errors[0] if errors else f"{where}: invalid value {value!r}")
    if origin is Literal:
        if value not in get_args(hint):
            raise RivalryError(f"{where}: {value!r} is not one of {', '.join(map(str, get_args(hint)))}")
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise RivalryError(f"{where}: expected a list, got {value!r}")
        args = get_args(hint)
        inner = args[0] if args else Any
        return tuple(coerce(v, inner, where) for v in value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, float, str, bool) and type(value) is not hint:
        raise RivalryError(f"{where}: expected {hint.__name__}, got {value!r}")
    if isinstance(hint, type) and issubclass(hint, ExperimentConfig) and isinstance(value, Mapping):
        return hint.from_dict(value)
    return value


def provenance_of(models: Mapping[str, Model | Provenance]) -> dict[str, Provenance]:
    return {role: m.provenance if isinstance(m, Model) else m for role, m in models.items()}


def fingerprint(kind: str, config: ExperimentConfig, models: Mapping[str, Model | Provenance]) -> dict[str, Any]:
    """Everything that decides a run's numbers, as a JSON-ready record (compared field by field on resume)."""
    return {
        "experiment": kind,
        "config": config.identity_dict(),
        "models": {role: p.identity() for role, p in provenance_of(models).items()},
        "inputs": config.input_hashes(),
    }


RESULT_TYPES: dict[str, type[Result]] = {}


def register_result(cls: type[R]) -> type[R]:
    """Class decorator: make ``cls`` loadable by :func:`load_result`; two result types may not share a kind."""
    if cls.KIND in RESULT_TYPES and RESULT_TYPES[cls.KIND] is not cls:
        raise ValueError(f"result kind {cls.KIND!r} is registered twice")
    RESULT_TYPES[cls.KIND] = cls
    return cls


class Result:
    """Base of every experiment's result (a frozen dataclass with ``config``, ``provenance`` and ``fingerprint``).

    Subclasses set ``KIND`` (unique), ``MAIN_FILE`` (the JSON record, e.g. ``results.json``) and
    ``SCHEMA_VERSION``, and implement :meth:`record` / :meth:`from_record`; tensors go through :meth:`tensors`.
    """

    KIND: ClassVar[str]
    MAIN_FILE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1
    CONFIG: ClassVar[type[ExperimentConfig]]

    config: Any
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]

    # --- what a subclass provides -------------------------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        """The result's JSON content (without ``kind``, ``schema_version``, config, provenance, fingerprint)."""
        raise NotImplementedError

    @classmethod
    def from_record(cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Self:
        """Rebuild a result; ``meta`` holds ``config``, ``provenance`` and ``fingerprint`` already typed."""
        raise NotImplementedError

    def tensors(self) -> dict[str, torch.Tensor]:
        return {}

    def write_views(self, directory: Path) -> None:
        """Derived files (CSVs) written next to the record; never read back."""

    def to_pandas(self) -> Any:
        """The result's main table as a ``pandas.DataFrame``."""
        raise NotImplementedError

    # --- shared machinery -----------------------------------------------------------------------------------------
    @property
    def model(self) -> str:
        """The label of the result's model (``provenance["model"]``); a pair's labels joined by " vs "."""
        if "model" in self.provenance:
            return self.provenance["model"].label
        return " vs ".join(p.label for p in self.provenance.values())

    def full_record(self) -> dict[str, Any]:
        return {
            KIND_KEY: self.KIND,
            SCHEMA_KEY: self.SCHEMA_VERSION,
            **self.record(),
            "config": self.config.to_dict(),
            "provenance": {role: p.to_dict() for role, p in self.provenance.items()},
            "fingerprint": dict(self.fingerprint),
        }

    @property
    def tensor_file(self) -> str:
        return Path(self.MAIN_FILE).stem + ".safetensors"

    def save(self, directory: str | Path) -> Path:
        """Write the record (strict JSON), its tensors (safetensors) and the views into ``directory``."""
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        tensors = {k: v.detach().cpu().contiguous() for k, v in self.tensors().items()}
        if tensors:
            staging = root / f".{self.tensor_file}.staging"
            save_file(tensors, str(staging))
            write_atomically(root / self.tensor_file, staging.read_bytes())
            staging.unlink()
        write_atomically(root / self.MAIN_FILE, json_text(self.full_record()).encode("utf-8"))
        self.write_views(root)
        return root

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        """Read a result saved by :meth:`save`; a file of another kind or a newer schema is one clear error."""
        root = Path(directory)
        record = read_json(root / cls.MAIN_FILE, f"{cls.KIND} result")
        if not isinstance(record, dict) or record.get(KIND_KEY) != cls.KIND:
            found = record.get(KIND_KEY) if isinstance(record, dict) else None
            raise RivalryError(
                f"{root / cls.MAIN_FILE} is not a {cls.KIND} result"
                + (f" (it is a {found} result)" if found else " written by this version of rivalry; rerun it")
            )
        version = record.get(SCHEMA_KEY)
        if not isinstance(version, int) or version > cls.SCHEMA_VERSION:
            raise RivalryError(
                f"{root / cls.MAIN_FILE} has schema version {version}; this rivalry reads up to "
                f"{cls.SCHEMA_VERSION} (upgrade rivalry)"
            )
        tensors: dict[str, torch.Tensor] = {}
        tensor_path = root / Path(cls.MAIN_FILE).with_suffix(".safetensors").name
        if tensor_path.exists():
            try:
                tensors = load_file(str(tensor_path))
            except Exception:  # noqa: BLE001 - any decoding failure of a user file is bad input
                raise RivalryError(f"cannot read {tensor_path}: corrupt or truncated") from None
        try:
            meta = {
                "config": cls.CONFIG.from_dict(record["config"]),
                "provenance": {role: Provenance.from_dict(p) for role, p in record["provenance"].items()},
                "fingerprint": record["fingerprint"],
            }
            return cls.from_record(meta, record, tensors)
        except (KeyError, TypeError, ValueError) as error:
            raise RivalryError(f"{root / cls.MAIN_FILE} is malformed ({type(error).__name__}: {error})") from None

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Result)
        if json_text(self.full_record()) != json_text(other.full_record()):
            return False
        mine, theirs = self.tensors(), other.tensors()
        return mine.keys() == theirs.keys() and all(torch.equal(mine[k].cpu(), theirs[k].cpu()) for k in mine)

    __hash__ = None  # type: ignore[assignment]


R = TypeVar("R", bound=Result)


def load_result(directory: str | Path) -> Result:
    """Load whatever rivalry result ``directory`` holds, as its own typed ``Result``."""
    root = Path(directory)
    if not root.is_dir():
        raise RivalryError(f"result directory not found: {root}")
    _import_all_experiments()
    for main_file in dict.fromkeys(cls.MAIN_FILE for cls in RESULT_TYPES.values()):
        path = root / main_file
        if not path.is_file():
            continue
        record = read_json(path, "result")
        kind = record.get(KIND_KEY) if isinstance(record, dict) else None
        if kind in RESULT_TYPES:
            return RESULT_TYPES[kind].load(root)
    names = ", ".join(sorted({cls.MAIN_FILE for cls in RESULT_TYPES.values()}))
    raise RivalryError(f"{root} holds no rivalry result ({names}), or one written by an older rivalry; rerun it")


def _import_all_experiments() -> None:
    import importlib

    from rivalry.experiments import EXPERIMENT_MODULES

    for module in EXPERIMENT_MODULES:
        importlib.import_module(module)
