"""What a sweep run returns, and the order jobs are run in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rivalry.experiments.base import Result
from rivalry.sweeps.execute import FAILED, FINISHED, JobStatus, finished_result
from rivalry.sweeps.jobs import Job
from rivalry.sweeps.table import TABLE_FILE


@dataclass(frozen=True)
class SweepOutcome:
    """The jobs of a sweep and where each stands after a run."""

    out: Path
    jobs: tuple[Job, ...]
    statuses: tuple[JobStatus, ...]

    @property
    def finished(self) -> int:
        return sum(s.state == FINISHED for s in self.statuses)

    @property
    def failed(self) -> tuple[JobStatus, ...]:
        return tuple(s for s in self.statuses if s.state == FAILED)

    def results(self) -> dict[str, Result]:
        """Job id -> the finished job's typed result (loaded from its directory)."""
        loaded = {job.job_id: finished_result(self.out, job) for job in self.jobs}
        return {job_id: result for job_id, result in loaded.items() if result is not None}

    def to_pandas(self) -> Any:
        """``sweep.csv`` as a DataFrame (one row per job)."""
        import pandas as pd

        return pd.read_csv(self.out / TABLE_FILE)


def grouped_by_models(jobs: Sequence[Job]) -> list[Job]:
    """Jobs of the same models next to each other (stable), so a worker reuses the model it has loaded."""
    order: dict[str, int] = {}
    for job in jobs:
        order.setdefault(repr(sorted(job.model_labels.items())), len(order))
    return sorted(jobs, key=lambda job: order[repr(sorted(job.model_labels.items()))])
