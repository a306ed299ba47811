"""Jobs and shards on a Ray cluster: an actor per worker, each keeping its loaded models between jobs.

Every job runs through :func:`rivalry.sweeps.execute.run_job` inside a worker, so the files are those of a
serial run. A job with ``shards: n`` is first spread as ``n`` shard shares over the workers (each stores its
batches in the job's run store), then finished by one worker, which reads every batch back and assembles the
result a single process gives. A worker that dies (a ``kill -9``, a lost node) fails only its task in flight:
the job is marked failed with the reason, Ray restarts the actor, and the rest of the sweep goes on; rerunning
the sweep recomputes nothing that was stored.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from rivalry.errors import RivalryError
from rivalry.sweeps.execute import (
    FAILED,
    FINISHED,
    JobStatus,
    ModelCache,
    log_line,
    read_status,
    run_job,
    run_job_shard,
    write_status,
)
from rivalry.sweeps.jobs import Job
from rivalry.sweeps.outcome import SweepOutcome, grouped_by_models
from rivalry.sweeps.spec import Resources
from rivalry.sweeps.table import write_table

LOCAL = "local"


class SweepWorker:
    """One Ray actor: runs jobs and shard shares, reusing the models it has loaded."""

    def __init__(self, out: str) -> None:
        self.out = out
        self.cache = ModelCache()

    def pid(self) -> int:
        return os.getpid()

    def model_loads(self) -> int:
        return self.cache.loads

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        return run_job(Job.from_dict(job), self.out, self.cache).to_dict()

    def shard(self, job: dict[str, Any], index: int) -> list[str]:
        return run_job_shard(Job.from_dict(job), self.out, self.cache, index)


@dataclass
class _Task:
    job: Job
    kind: str  # "run" or "shard"
    index: int = 0
    attempts: int = 0


RETRIES = 3  # how often a task whose worker died or was restarting is sent again (safe: finished shards are kept)


def _connect(address: str, workers: int | None, ray_init: Callable[[], None] | None) -> bool:
    """Connect to (or start) a cluster unless one is connected; True when this call started the connection."""
    import ray

    if ray.is_initialized():
        return False
    if ray_init is not None:
        ray_init()
    elif address == LOCAL:
        ray.init(
            num_cpus=workers or os.cpu_count() or 1,
            include_dashboard=False,
            log_to_driver=False,
            object_store_memory=80 * 1024**2,
            configure_logging=False,
        )
    else:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    return True


def run_on_ray(
    jobs: Sequence[Job],
    out: str | Path,
    resources: Resources,
    address: str,
    progress: bool = True,
    workers: int | None = None,
    ray_init: Callable[[], None] | None = None,
    worker_env: Mapping[str, str] | None = None,
    retries: int = RETRIES,
) -> Any:
    """Run ``jobs`` on Ray (see the module docstring); returns a :class:`~rivalry.sweeps.runner.SweepOutcome`.

    ``workers``: how many actors (default: the cluster's CPUs over ``resources.cpus``); ``worker_env``: extra
    environment variables of the worker processes (Ray's ``runtime_env``), e.g. ``HF_HOME``; ``retries``: how often a
    task whose worker died (or was restarting) is sent again before its job is marked failed. A retry recomputes
    nothing stored: the job resumes from its shards.
    """
    import ray
    from ray.exceptions import RayActorError, RayError

    started = _connect(address, workers, ray_init)
    try:
        n_workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1) // max(resources.cpus, 1e-9)))
        actor_class = ray.remote(SweepWorker).options(
            num_cpus=resources.cpus,
            num_gpus=resources.gpus,
            max_restarts=-1,
            max_task_retries=0,
            runtime_env={"env_vars": dict(worker_env)} if worker_env else None,
        )
        actors = [actor_class.remote(str(out)) for _ in range(n_workers)]
        statuses: dict[str, JobStatus] = {}
        queue: list[_Task] = []
        waiting_merge: dict[str, int] = {}
        for job in grouped_by_models(jobs):
            if read_status(out, job).state == FINISHED:
                statuses[job.job_id] = read_status(out, job)
            elif job.shards > 1:
                queue.extend(_Task(job, "shard", i) for i in range(job.shards))
                waiting_merge[job.job_id] = job.shards
            else:
                queue.append(_Task(job, "run"))
        total = len(queue) + len(waiting_merge)
        idle = list(actors)
        running: dict[Any, tuple[Any, _Task]] = {}
        bar = tqdm(total=total, desc="sweep", unit="task", disable=not progress)
        while queue or running:
            while queue and idle:
                task = queue.pop(0)
                if task.job.job_id in statuses and statuses[task.job.job_id].state == FAILED:
                    bar.update(1)
                    continue
                actor: Any = idle.pop(0)
                method = actor.run if task.kind == "run" else actor.shard
                args = (task.job.to_dict(),) if task.kind == "run" else (task.job.to_dict(), task.index)
                running[method.remote(*args)] = (actor, task)
            if not running:
                break
            done, _ = ray.wait(list(running), num_returns=1)
            actor, task = running.pop(done[0])
            bar.update(1)
            job_id = task.job.job_id
            try:
                value = ray.get(done[0])
            except RayError as error:
                if isinstance(error, RayActorError):  # its worker died: wait for Ray to restart it (or replace it)
                    idle.append(_ready(actor, actor_class, out))
                    if task.attempts < retries:
                        task.attempts += 1  # send the task again: it resumes from the job's stored shards
                        queue.insert(0, task)
                        bar.update(-1)
                        continue
                else:
                    idle.append(actor)
                statuses[job_id] = _fail(out, task.job, _reason(error))
                if job_id in waiting_merge:
                    del waiting_merge[job_id]
                    bar.update(1)
                continue
            idle.append(actor)
            if task.kind == "run":
                statuses[job_id] = JobStatus(**value)
            elif job_id in waiting_merge:
                waiting_merge[job_id] -= 1
                if waiting_merge[job_id] == 0:
                    del waiting_merge[job_id]
                    queue.insert(0, _Task(task.job, "run"))
        bar.close()
    finally:
        if started:
            ray.shutdown()
    for job in jobs:
        statuses.setdefault(job.job_id, read_status(out, job))
    write_table(out, jobs)
    return SweepOutcome(Path(out), tuple(jobs), tuple(statuses[job.job_id] for job in jobs))


RESTART_TIMEOUT_S = 300.0


def _ready(actor: Any, actor_class: Any, out: str | Path) -> Any:
    """``actor`` once Ray has restarted it (a cheap call answers), or a new actor if it does not come back."""
    import ray
    from ray.exceptions import GetTimeoutError, RayActorError

    deadline = time.monotonic() + RESTART_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            ray.get(actor.pid.remote(), timeout=30)
            return actor
        except RayActorError:
            time.sleep(1.0)  # still restarting
        except GetTimeoutError:
            continue
    return actor_class.remote(str(out))


def _reason(error: Exception) -> str:
    """One line for a task that raised in its worker (the worker's own error) or lost its worker."""
    from ray.exceptions import RayTaskError

    cause = getattr(error, "cause", None) if isinstance(error, RayTaskError) else None
    if isinstance(cause, RivalryError):
        return str(cause)
    if cause is not None:
        return f"{type(cause).__name__}: {cause}".splitlines()[0]
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip()
    return f"worker lost ({type(error).__name__}): {text.splitlines()[0] if text else 'no message'}"


def _fail(out: str | Path, job: Job, error: str) -> JobStatus:
    status = JobStatus(job.job_id, FAILED, error=error)
    write_status(out, status)
    log_line(out, job.job_id, f"failed: {error}")
    return status
