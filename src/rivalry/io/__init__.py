"""Files: atomic writes, strict JSON, content hashes and the resumable shard store every experiment uses."""

from rivalry.io.atomic import csv_bytes, json_ready, read_json, write_atomically, write_json
from rivalry.io.hashing import sha256_bytes, sha256_directory, sha256_file
from rivalry.io.store import RunStore, open_store

__all__ = [
    "RunStore",
    "csv_bytes",
    "json_ready",
    "open_store",
    "read_json",
    "sha256_bytes",
    "sha256_directory",
    "sha256_file",
    "write_atomically",
    "write_json",
]
