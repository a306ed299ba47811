"""Sweeps: grids of models x experiments x settings, run serially or on Ray, resumable (see ``docs/sweeps.md``)."""

from rivalry.sweeps.catalog import SweepExperiment, sweep_experiment, sweep_experiment_names
from rivalry.sweeps.execute import FAILED, FINISHED, PENDING, JobStatus, ModelCache
from rivalry.sweeps.jobs import Job, expand
from rivalry.sweeps.outcome import SweepOutcome
from rivalry.sweeps.runner import load_plan, prepare_sweep, run_serial, run_sweep, sweep_status
from rivalry.sweeps.spec import ModelSpec, SweepSpec, load_sweep, parse_sweep
from rivalry.sweeps.table import TABLE_FILE, sweep_rows, write_table

__all__ = [
    "FAILED",
    "FINISHED",
    "PENDING",
    "TABLE_FILE",
    "Job",
    "JobStatus",
    "ModelCache",
    "ModelSpec",
    "SweepExperiment",
    "SweepOutcome",
    "SweepSpec",
    "expand",
    "load_plan",
    "load_sweep",
    "parse_sweep",
    "prepare_sweep",
    "run_serial",
    "run_sweep",
    "sweep_experiment",
    "sweep_experiment_names",
    "sweep_rows",
    "sweep_status",
    "write_table",
]
