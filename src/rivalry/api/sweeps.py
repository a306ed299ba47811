"""``rivalry.sweep``: run a sweep file (or a parsed spec) from a notebook."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rivalry.sweeps import SweepOutcome, SweepSpec, load_sweep, parse_sweep, run_sweep


def sweep(
    spec: str | Path | Mapping[str, Any] | SweepSpec,
    out: str | Path,
    ray: str | None = None,
    progress: bool = True,
    **options: Any,
) -> SweepOutcome:
    """Run every job of a sweep not finished yet into ``out``; a rerun resumes.

    Args:
        spec: a sweep file (YAML), the same as a dict, or a :class:`~rivalry.sweeps.SweepSpec`.
        out: the sweep directory (new, or holding this sweep).
        ray: ``None`` runs the jobs one after another here; ``"local"`` starts a local Ray cluster;
            ``"auto"`` / ``"ray://host:10001"`` joins a running one (or the one this process is connected to).
        options: ``workers``, ``worker_env``, ``retries`` (Ray only).

    Returns:
        a :class:`~rivalry.sweeps.SweepOutcome`: ``.results()`` (job id -> typed result), ``.to_pandas()``
        (``sweep.csv``), ``.failed``.

    Example:
        >>> outcome = rivalry.sweep("sweeps/templates.yaml", "runs/templates")  # doctest: +SKIP
        >>> outcome.to_pandas()[["model.label", "config.system_template", "mean_total_effect_log10"]]
    """
    if isinstance(spec, SweepSpec):
        parsed = spec
    elif isinstance(spec, Mapping):
        parsed = parse_sweep(spec)
    else:
        parsed = load_sweep(spec)
    outcome = run_sweep(parsed, out, ray_address=ray, progress=progress, **options)
    from rivalry.report.sweep import write_sweep_report

    write_sweep_report(out, parsed.name)
    return outcome
