"""``sweep.csv``: one row per job with its models' provenance, its config and its headline figures."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rivalry.io.atomic import csv_bytes, write_atomically
from rivalry.sweeps.execute import FINISHED, finished_result, read_status
from rivalry.sweeps.jobs import Job

TABLE_FILE = "sweep.csv"
PROVENANCE_FIELDS = ("name", "base_sha256", "adapter_sha256", "dtype")


def sweep_rows(out: str | Path, jobs: Sequence[Job]) -> list[dict[str, Any]]:
    """The rows of ``sweep.csv``: models are read from each finished result's provenance (the load spec for
    jobs not finished), config fields are ``config.<field>``, then the experiment's headline figures."""
    rows = []
    for job in jobs:
        status = read_status(out, job)
        row: dict[str, Any] = {
            "job_id": job.job_id,
            "experiment": job.experiment,
            "state": status.state,
            "error": status.error or "",
            "seconds": None if status.seconds is None else round(status.seconds, 3),
            "directory": f"jobs/{job.directory_name}",
        }
        result = finished_result(out, job) if status.state == FINISHED else None
        for role, spec in job.models.items():
            row[f"{role}.label"] = spec.label
            provenance = result.provenance.get(role) if result is not None else None
            for name in PROVENANCE_FIELDS:
                value = getattr(provenance, name) if provenance is not None else getattr(spec, name, None)
                row[f"{role}.{name}"] = value
        row.update({f"config.{key}": value for key, value in job.config.to_dict().items()})
        row.update(dict(status.headline or {}))
        rows.append(row)
    return rows


def write_table(out: str | Path, jobs: Sequence[Job]) -> Path:
    """Write ``sweep.csv`` into ``out`` (columns: the union over jobs, in first-seen order)."""
    rows = sweep_rows(out, jobs)
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    path = Path(out) / TABLE_FILE
    write_atomically(path, csv_bytes(list(columns), [{k: _cell(v) for k, v in row.items()} for row in rows]))
    return path


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple | dict):
        return repr(value)
    return "" if value is None else value
