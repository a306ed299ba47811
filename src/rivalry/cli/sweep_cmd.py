"""``rivalry sweep plan|run|status``: grids of models x experiments x settings, serially or on Ray."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="plan, run (serially or on Ray) and inspect a sweep of models x experiments x settings",
        description="A sweep file (YAML) lists models, experiments with their configs and grids over config "
        "fields; every combination is a job with a stable id. See docs/sweeps.md.",
    )
    actions = parser.add_subparsers(dest="sweep_action", required=True, metavar="ACTION")

    plan = actions.add_parser("plan", help="check a sweep file and print its jobs (loads no model)")
    plan.add_argument("file", help="the sweep file (YAML)")
    plan.set_defaults(run=run_plan)

    run = actions.add_parser("run", help="run every job not finished yet into --out (resumes)")
    run.add_argument("file", help="the sweep file (YAML)")
    run.add_argument("--out", required=True, help="the sweep directory (new, or holding this sweep to resume)")
    run.add_argument(
        "--ray",
        default=None,
        metavar="ADDRESS",
        help="run on Ray: 'local' starts a local cluster, 'auto' or ray://HOST:10001 joins a running one "
        "(default: one job after another in this process)",
    )
    run.add_argument("--workers", type=int, default=None, help="Ray actors (default: CPUs / resources.cpus)")
    run.add_argument("--threads", type=int, default=None, help="torch CPU threads of a serial run")
    run.add_argument("--no-progress", action="store_true", help="hide progress bars")
    run.set_defaults(run=run_sweep_command)

    status = actions.add_parser("status", help="finished / failed / pending jobs of a sweep directory")
    status.add_argument("out", help="the sweep directory")
    status.set_defaults(run=run_status)


def run_plan(args: argparse.Namespace) -> int:
    from rivalry.sweeps import expand, load_sweep

    spec = load_sweep(args.file)
    jobs = expand(spec)
    print(f"sweep '{spec.name}': {len(jobs)} job(s)")
    for job in jobs:
        point = ", ".join(f"{k}={_short(v)}" for k, v in job.grid_point.items())
        shards = f" [{job.shards} shards]" if job.shards > 1 else ""
        print(f"  {job.job_id}  {job.experiment:<16} {'+'.join(job.model_labels.values()):<24} {point}{shards}")
    return 0


def run_sweep_command(args: argparse.Namespace) -> int:
    from rivalry.cli.runtime import torch_threads
    from rivalry.report.sweep import write_sweep_report
    from rivalry.sweeps import load_sweep, run_sweep

    spec = load_sweep(args.file)
    with torch_threads(args.threads):
        outcome = run_sweep(spec, args.out, ray_address=args.ray, progress=not args.no_progress, workers=args.workers)
    page = write_sweep_report(args.out, spec.name)
    print(f"{outcome.finished} of {len(outcome.jobs)} job(s) finished; table {args.out}/sweep.csv; report {page}")
    for status in outcome.failed:
        print(f"  failed {status.job_id}: {status.error}")
    return 0 if not outcome.failed else 1


def run_status(args: argparse.Namespace) -> int:
    from rivalry.sweeps import sweep_status

    rows = sweep_status(args.out)
    counts: dict[str, int] = {}
    for job, status in rows:
        counts[status.state] = counts.get(status.state, 0) + 1
        error = f"  {status.error}" if status.error else ""
        print(f"  {status.state:<9} {job.job_id}  {job.directory_name}{error}")
    print(", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
    return 0


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
