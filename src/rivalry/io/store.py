"""The resumable run store: a run directory of atomically written shards, guarded by a fingerprint.

Layout of a run directory::

    run.json                        the run's fingerprint (config, models' provenance, input hashes)
    shards/<name>.json              one finished unit of work (written last: its presence means complete)
    shards/<name>.safetensors       that unit's tensors, if any

Nothing is written until the first shard is saved, so a run that fails before producing anything leaves the
directory as it was; ``run.json`` alone (a run that never finished a unit) counts as fresh.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from rivalry.errors import RivalryError
from rivalry.io.atomic import read_json, write_atomically, write_json

MANIFEST = "run.json"
SHARDS = "shards"


def check_output_directory(path: str | Path) -> Path:
    """Make sure ``path`` is (or can become) a writable directory, before any work starts.

    Creates the directory if needed and writes and removes a probe file, so a regular file, a read-only or
    immutable directory, or a path under ``/proc`` fails now with one line instead of after the model loaded.
    """
    root = Path(path)
    if root.exists() and not root.is_dir():
        raise RivalryError(f"output path '{root}' exists and is not a directory; choose another --out")
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".write-probe-", dir=root)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise RivalryError(f"cannot write to output directory '{root}': {reason}; choose another --out") from None
    return root


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, Mapping):
        flat: dict[str, Any] = {}
        for key, value in data.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat or {prefix.rstrip("."): {}}
    return {prefix.rstrip("."): data}


def fingerprint_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Dotted names of the fields whose values differ between two fingerprint records."""
    a, b = _flatten(old), _flatten(new)
    return sorted(key for key in a.keys() | b.keys() if a.get(key, "<absent>") != b.get(key, "<absent>"))


class RunStore:
    """Reads and writes the shards of one run directory.

    Args:
        root: the run directory.
        resume: continue a run already in ``root`` (its fingerprint must match); without it an existing run
            is refused.

    ``after_save`` (a callable taking the shard name) runs after each shard is stored; the CLI's crash tests
    use it to kill the process at a chosen point.
    """

    def __init__(self, root: str | Path, resume: bool = False):
        self.root = Path(root)
        self.resume = resume
        self.after_save: Callable[[str], None] | None = None
        self._fingerprint: dict[str, Any] | None = None

    def open(self, fingerprint: Mapping[str, Any]) -> RunStore:
        """Check ``root`` against ``fingerprint`` (see :func:`rivalry.experiments.fingerprint`); writes nothing."""
        check_output_directory(self.root)
        self._fingerprint = dict(fingerprint)
        manifest = self.root / MANIFEST
        has_shards = (self.root / SHARDS).is_dir() and any((self.root / SHARDS).iterdir())
        if manifest.exists() and has_shards:
            if not self.resume:
                raise RivalryError(
                    f"'{self.root}' already holds a run; pass --resume (resume=True) to continue it or choose "
                    "another --out"
                )
            previous = read_json(manifest, "run manifest")
            old = previous.get("fingerprint") if isinstance(previous, dict) else None
            if not isinstance(old, dict):
                raise RivalryError(f"'{self.root}' holds a run of an older rivalry; use another --out")
            differing = fingerprint_differences(old, self._fingerprint)
            if differing:
                shown = ", ".join(differing[:6]) + (f" and {len(differing) - 6} more" if len(differing) > 6 else "")
                raise RivalryError(
                    f"'{self.root}' holds a run with different {shown}; use another --out to start afresh"
                )
            return self
        leftovers = [p.name for p in self.root.iterdir() if p.name not in (MANIFEST, SHARDS)]
        if leftovers and not self.resume:
            raise RivalryError(f"output directory '{self.root}' is not empty; choose another --out")
        return self

    @property
    def fingerprint(self) -> dict[str, Any]:
        if self._fingerprint is None:
            raise RuntimeError("RunStore.open() was not called")
        return self._fingerprint

    def _path(self, name: str, suffix: str) -> Path:
        return self.root / SHARDS / f"{name}.{suffix}"

    def has(self, name: str) -> bool:
        """Whether shard ``name`` was finished (its JSON, written last, exists)."""
        return self._path(name, "json").exists()

    def save(self, name: str, record: Any, tensors: Mapping[str, torch.Tensor] | None = None) -> None:
        """Store one finished unit: its tensors first, then its JSON record (the completion mark)."""
        if not (self.root / MANIFEST).exists():
            write_json(self.root / MANIFEST, {"fingerprint": self.fingerprint})
        if tensors:
            data = {key: value.detach().cpu().contiguous() for key, value in tensors.items()}
            handle, temporary = tempfile.mkstemp(dir=self.root, suffix=".safetensors")
            os.close(handle)
            try:
                save_file(data, temporary)
                write_atomically(self._path(name, "safetensors"), Path(temporary).read_bytes())
            finally:
                os.unlink(temporary)
        write_json(self._path(name, "json"), {"record": record, "tensors": sorted(tensors or {})})
        if self.after_save is not None:
            self.after_save(name)

    def load(self, name: str) -> tuple[Any, dict[str, torch.Tensor]]:
        """A stored unit's record and tensors; a corrupt shard is one line naming it and how to recover."""
        json_path = self._path(name, "json")
        hint = "delete it and run again with --resume"
        try:
            stored = read_json(json_path, "shard")
        except RivalryError:
            raise RivalryError(f"shard {json_path} is corrupt or truncated; {hint}") from None
        if not isinstance(stored, dict) or "record" not in stored or not isinstance(stored.get("tensors"), list):
            raise RivalryError(f"shard {json_path} is not a rivalry shard; {hint}")
        tensors: dict[str, torch.Tensor] = {}
        if stored["tensors"]:
            tensor_path = self._path(name, "safetensors")
            try:
                tensors = load_file(str(tensor_path))
            except (OSError, SafetensorError, ValueError, RuntimeError):
                raise RivalryError(f"shard {tensor_path} is corrupt or truncated; delete it and {json_path}, "
                                   "then run again with --resume") from None
            missing = set(stored["tensors"]) - set(tensors)
            if missing:
                raise RivalryError(f"shard {tensor_path} lacks {', '.join(sorted(missing))}; {hint}")
        return stored["record"], tensors


def open_store(store: RunStore | str | Path | None, fingerprint: Mapping[str, Any]) -> RunStore | None:
    """The store a ``run`` function uses: ``None`` (compute in memory), a :class:`RunStore`, or a directory path
    (opened with ``resume=True``, so rerunning a notebook cell continues the run it started)."""
    if store is None:
        return None
    if not isinstance(store, RunStore):
        store = RunStore(store, resume=True)
    return store.open(fingerprint)
