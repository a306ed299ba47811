"""Content hashes (SHA-256) of bytes, files and directories, for fingerprints and provenance."""

from __future__ import annotations

import hashlib
from pathlib import Path

_CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_directory(path: str | Path, pattern: str = "*") -> str:
    """SHA-256 over the relative names and contents of every file under ``path`` matching ``pattern``, sorted."""
    root = Path(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in root.rglob(pattern) if p.is_file()):
        digest.update(str(file.relative_to(root)).encode() + b"\0")
        digest.update(sha256_file(file).encode() + b"\n")
    return digest.hexdigest()


def sha256_json(data: object) -> str:
    """SHA-256 of the canonical JSON of ``data`` (sorted keys, UTF-8, strict): a content hash of inline settings."""
    import json

    return sha256_bytes(json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False).encode("utf-8"))
