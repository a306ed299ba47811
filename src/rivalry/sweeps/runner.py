"""Run a sweep: one job after another in this process, or spread over a Ray cluster.

Both write the same files (see :mod:`rivalry.sweeps.execute`), so a sweep started serially can be finished on
Ray and the other way round; a rerun skips finished jobs and reads back every finished shard.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tqdm.auto import tqdm

from rivalry.errors import RivalryError
from rivalry.io.atomic import read_json, write_json
from rivalry.io.store import check_output_directory
from rivalry.sweeps.execute import JobStatus, ModelCache, read_status, run_job
from rivalry.sweeps.jobs import Job, expand
from rivalry.sweeps.outcome import SweepOutcome, grouped_by_models
from rivalry.sweeps.spec import SweepSpec
from rivalry.sweeps.table import write_table

PLAN_FILE = "sweep.json"


def prepare_sweep(spec: SweepSpec, out: str | Path) -> list[Job]:
    """Expand ``spec`` and record its plan in ``out`` (a new directory, or one holding this same sweep).

    Raises:
        RivalryError: ``out`` holds a sweep with other jobs, or cannot be written.
    """
    root = check_output_directory(out)
    jobs = expand(spec)
    plan = {"name": spec.name, "jobs": [job.to_dict() for job in jobs]}
    path = root / PLAN_FILE
    if path.exists():
        old = read_json(path, "sweep plan")
        old_ids = [job["job_id"] for job in old.get("jobs", [])] if isinstance(old, dict) else None
        if old_ids != [job.job_id for job in jobs]:
            raise RivalryError(f"'{out}' holds another sweep (its jobs differ); use another --out")
    else:
        if any(p.name != PLAN_FILE for p in root.iterdir()):
            raise RivalryError(f"output directory '{out}' is not empty; choose another --out")
        write_json(path, plan)
    return jobs


def load_plan(out: str | Path) -> list[Job]:
    """The jobs recorded in a sweep directory."""
    data = read_json(Path(out) / PLAN_FILE, "sweep plan")
    return [Job.from_dict(job) for job in data["jobs"]]


def run_serial(jobs: Sequence[Job], out: str | Path, progress: bool = True) -> SweepOutcome:
    """Every job in this process, one after another; the models of consecutive jobs are loaded once."""
    cache = ModelCache()
    statuses = {}
    for job in tqdm(grouped_by_models(jobs), desc="sweep", unit="job", disable=not progress):
        statuses[job.job_id] = run_job(job, out, cache)
    ordered = tuple(statuses[job.job_id] for job in jobs)
    write_table(out, jobs)
    return SweepOutcome(Path(out), tuple(jobs), ordered)


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    ray_address: str | None = None,
    progress: bool = True,
    workers: int | None = None,
    ray_init: Callable[[], None] | None = None,
    worker_env: Mapping[str, str] | None = None,
    retries: int = 3,
) -> SweepOutcome:
    """Run every job of ``spec`` into ``out``: in this process, or on Ray when ``ray_address`` is given
    (``"local"`` starts a local cluster; ``"auto"`` or ``"ray://host:10001"`` joins one)."""
    jobs = prepare_sweep(spec, out)
    if ray_address is None:
        return run_serial(jobs, out, progress)
    from rivalry.sweeps.on_ray import run_on_ray

    return run_on_ray(
        jobs,
        out,
        spec.resources,
        ray_address,
        progress=progress,
        workers=workers,
        ray_init=ray_init,
        worker_env=worker_env,
        retries=retries,
    )


def sweep_status(out: str | Path) -> list[tuple[Job, JobStatus]]:
    """Every job of the sweep in ``out`` with its state (finished, failed or pending)."""
    if not (Path(out) / PLAN_FILE).exists():
        raise RivalryError(f"'{out}' holds no sweep (no {PLAN_FILE})")
    return [(job, read_status(out, job)) for job in load_plan(out)]
