"""Crash-safe storage of a run: one shard per finished batch, written atomically, so ``--resume`` loses nothing.

Layout of a run directory::

    run.json                  settings and fingerprint (a resumed run must match them)
    shards/batch-00003.json   kept rows and dropped facts of batch 3
    shards/batch-00003.safetensors   its per-fact site effects
    joint/k-0010.json         one joint-patching check result
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file

from rivalry.errors import RivalryError
from rivalry.forbidden.evaluate import BatchOutcome


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: a crash leaves old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_json(path: Path, data: Any) -> None:
    write_atomically(path, (json.dumps(data, indent=2, allow_nan=True) + "\n").encode())


class RunStore:
    """Reads and writes the files of one run directory."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def open(self, settings: dict[str, Any], fingerprint: str, resume: bool) -> None:
        """Start a new run or, with ``resume``, continue one whose settings match."""
        manifest = self.root / "run.json"
        if manifest.exists():
            if not resume:
                raise RivalryError(
                    f"'{self.root}' already holds a run; pass --resume to continue it or choose another --out"
                )
            previous = json.loads(manifest.read_text())
            if previous.get("fingerprint") != fingerprint:
                raise RivalryError(
                    f"'{self.root}' holds a run with different settings; use another --out to start afresh"
                )
            return
        if self.root.exists() and any(self.root.iterdir()) and not resume:
            raise RivalryError(f"output directory '{self.root}' is not empty; choose another --out")
        write_json(manifest, {"fingerprint": fingerprint, "settings": settings})

    def _shard(self, index: int, suffix: str) -> Path:
        return self.root / "shards" / f"batch-{index:05d}.{suffix}"

    def has_batch(self, index: int) -> bool:
        # the json is written last, so its presence means the batch is complete
        return self._shard(index, "json").exists() and self._shard(index, "safetensors").exists()

    def save_batch(self, index: int, outcome: BatchOutcome) -> None:
        effects = outcome.site_effects.detach().cpu().float().contiguous()
        handle, temporary = tempfile.mkstemp(dir=self.root, suffix=".safetensors")
        os.close(handle)
        try:
            save_file({"site_effects": effects}, temporary)
            write_atomically(self._shard(index, "safetensors"), Path(temporary).read_bytes())
        finally:
            os.unlink(temporary)
        write_json(self._shard(index, "json"), {"rows": outcome.rows, "dropped": outcome.dropped})

    def load_batch(self, index: int) -> BatchOutcome:
        meta = json.loads(self._shard(index, "json").read_text())
        effects = load_file(str(self._shard(index, "safetensors")))["site_effects"]
        return BatchOutcome(rows=meta["rows"], dropped=[tuple(d) for d in meta["dropped"]], site_effects=effects)

    def joint_path(self, k: int) -> Path:
        return self.root / "joint" / f"k-{k:05d}.json"

    def load_joint(self, k: int) -> dict[str, Any] | None:
        path = self.joint_path(k)
        return json.loads(path.read_text()) if path.exists() else None

    def save_joint(self, k: int, result: dict[str, Any]) -> None:
        write_json(self.joint_path(k), result)
