"""Atomic file writes and strict JSON: a crash leaves the old file or the new one, and no file holds NaN.

JSON has no NaN or infinity; Python's ``json`` writes them as bare ``NaN``/``Infinity`` literals that strict
parsers reject. Every JSON rivalry writes goes through :func:`json_ready`, which turns a non-finite float into
``null`` (results that can be undefined say why in a field of their own), and is dumped with ``allow_nan=False``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rivalry.errors import RivalryError


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: a crash leaves old or new, never half."""
    path = Path(path)
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


def json_ready(value: Any) -> Any:
    """``value`` with tuples as lists, non-string keys as strings and every non-finite float as ``None``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


def json_text(data: Any) -> str:
    """Strict, deterministic JSON text of ``data`` (sorted keys are not forced: key order is the layout)."""
    return json.dumps(json_ready(data), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as strict JSON (non-finite floats become null), atomically."""
    write_atomically(Path(path), json_text(data).encode("utf-8"))


def read_json(path: Path, what: str = "file") -> Any:
    """Read JSON from ``path``; a missing, truncated or corrupt file is one :class:`RivalryError` naming it."""
    path = Path(path)
    if not path.is_file():
        raise RivalryError(f"{what} {path} does not exist")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise RivalryError(f"cannot read {what} {path}: {first}") from None


def csv_bytes(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> bytes:
    """CSV text (header first, ``\\n`` line ends) of ``rows``; keys outside ``columns`` are left out."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
