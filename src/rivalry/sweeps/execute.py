"""Running one job (or one shard of a job) in this process, with its status, log and result on disk.

A sweep directory holds ``sweep.json`` (the plan), ``jobs/<experiment>-<labels>-<id>/`` (each job's run store
and, once finished, its result files), ``status/<id>.json`` (finished or failed, with the error line and the
headline figures) and ``logs/<id>.log``. Serial and Ray runs write the same files through the same code.
"""

from __future__ import annotations

import os
import time
import traceback
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rivalry.errors import RivalryError
from rivalry.experiments.base import Result, load_result
from rivalry.io.atomic import json_ready, read_json, write_json
from rivalry.io.faults import inject_fault
from rivalry.io.store import RunStore
from rivalry.models.loading import load_model
from rivalry.models.model import Model
from rivalry.sweeps.catalog import sweep_experiment
from rivalry.sweeps.jobs import Job
from rivalry.sweeps.spec import ModelSpec

FINISHED, FAILED, PENDING = "finished", "failed", "pending"


class ModelCache:
    """Loaded models by load spec, so the jobs of one model in one worker load it once.

    Holds at most ``capacity`` models (least recently used dropped first), so a worker's memory stays bounded.
    """

    def __init__(self, capacity: int = 2) -> None:
        self.capacity = capacity
        self._models: OrderedDict[str, Model] = OrderedDict()
        self.loads = 0

    def get(self, spec: ModelSpec) -> Model:
        key = repr(sorted((k, v) for k, v in spec.to_dict().items() if k != "label"))
        if key in self._models:
            self._models.move_to_end(key)
            return self._models[key]
        model = load_model(spec.name, spec.options())
        self.loads += 1
        self._models[key] = model
        while len(self._models) > self.capacity:
            self._models.popitem(last=False)
        return model


@dataclass(frozen=True)
class JobStatus:
    """Where one job stands: ``finished`` (with its headline figures), ``failed`` (with its error line) or
    ``pending``."""

    job_id: str
    state: str
    error: str | None = None
    headline: Mapping[str, Any] | None = None
    seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "state": self.state,
            "error": self.error,
            "headline": None if self.headline is None else dict(self.headline),
            "seconds": self.seconds,
        }


def job_directory(out: str | Path, job: Job) -> Path:
    return Path(out) / "jobs" / job.directory_name


def _status_path(out: str | Path, job_id: str) -> Path:
    return Path(out) / "status" / f"{job_id}.json"


def read_status(out: str | Path, job: Job) -> JobStatus:
    path = _status_path(out, job.job_id)
    if not path.exists():
        return JobStatus(job.job_id, PENDING)
    data = read_json(path, "job status")
    return JobStatus(data["job_id"], data["state"], data.get("error"), data.get("headline"), data.get("seconds"))


def write_status(out: str | Path, status: JobStatus) -> None:
    write_json(_status_path(out, status.job_id), status.to_dict())


def log_line(out: str | Path, job_id: str, message: str) -> None:
    path = Path(out) / "logs" / f"{job_id}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    with path.open("a", encoding="utf-8") as log:
        log.write(f"{stamp} pid={os.getpid()} {message}\n")


def _models_of(job: Job, cache: ModelCache) -> dict[str, Model]:
    return {role: cache.get(spec) for role, spec in job.models.items()}


def finished_result(out: str | Path, job: Job) -> Result | None:
    """The saved result of a finished job (None when it has not finished)."""
    if read_status(out, job).state != FINISHED:
        return None
    return load_result(job_directory(out, job))


def run_job(job: Job, out: str | Path, cache: ModelCache) -> JobStatus:
    """Run ``job`` unless it has finished; resumes from its stored shards. Never raises for the job's own
    failure: a failed job's status holds the error line (and its log the traceback)."""
    status = read_status(out, job)
    if status.state == FINISHED:
        return status
    catalog = sweep_experiment(job.experiment)
    start = time.perf_counter()
    log_line(out, job.job_id, f"start {job.directory_name}")
    try:
        store = inject_fault(RunStore(job_directory(out, job), resume=True))
        result = catalog.run(_models_of(job, cache), job.config, store)
        result.save(job_directory(out, job))
        status = JobStatus(
            job.job_id, FINISHED, headline=json_ready(catalog.headline(result)), seconds=time.perf_counter() - start
        )
        log_line(out, job.job_id, f"finished in {status.seconds:.1f} s")
    except Exception as error:  # noqa: BLE001 - one job's failure must not stop the sweep
        line = str(error) if isinstance(error, RivalryError) else f"{type(error).__name__}: {error}"
        status = JobStatus(job.job_id, FAILED, error=line.splitlines()[0] if line else type(error).__name__)
        log_line(out, job.job_id, f"failed: {status.error}\n{traceback.format_exc()}")
    write_status(out, status)
    return status


def run_job_shard(job: Job, out: str | Path, cache: ModelCache, index: int) -> list[str]:
    """Compute shard share ``index`` of ``job.shards`` into the job's store; returns the shard names computed."""
    catalog = sweep_experiment(job.experiment)
    if catalog.compute_shards is None:
        raise RivalryError(f"{job.experiment} cannot be split into shards")
    store = inject_fault(RunStore(job_directory(out, job), resume=True))
    computed = catalog.compute_shards(_models_of(job, cache), job.config, store, index, job.shards)
    log_line(out, job.job_id, f"shard share {index}/{job.shards}: computed {len(computed)} shard(s)")
    return computed
