"""Options and helpers shared by the subcommands (no heavy imports here)."""

from __future__ import annotations

import argparse


def add_model_options(parser: argparse.ArgumentParser, default: str | None = "smollm2") -> None:
    """``--model`` and the loading options every model-using command takes."""
    group = parser.add_argument_group("model")
    group.add_argument(
        "--model",
        default=default,
        help="named model (smollm2, ...), a local directory, or a Hugging Face id (default: %(default)s)",
    )
    group.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"])
    group.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ... (default: %(default)s)")
    group.add_argument("--device-map", default=None, help='e.g. "auto" to spread a large model over GPUs (accelerate)')
    group.add_argument(
        "--allow-pickle",
        action="store_true",
        help="allow loading pickle (.bin) weights; pickle can run arbitrary code",
    )
    group.add_argument("--adapter", default=None, help="directory of a LoRA adapter (peft, safetensors) to merge in")
    group.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="allow model code from the model's repository (off by default)",
    )


def load_model_from_args(args: argparse.Namespace, name: str | None = None):
    """Load the model named by ``--model`` (or ``name``) with the loading options."""
    from rivalry.models.loading import LoadOptions, load_model

    options = LoadOptions(
        dtype=args.dtype,
        device=args.device,
        device_map=args.device_map,
        allow_pickle=args.allow_pickle,
        adapter=args.adapter,
        trust_remote_code=args.trust_remote_code,
    )
    return load_model(name or args.model, options)


def add_run_options(parser: argparse.ArgumentParser, default_out: str, resumable: bool = True) -> None:
    """``--out``, ``--no-progress`` and (for resumable experiments) ``--resume``."""
    group = parser.add_argument_group("output")
    group.add_argument("--out", default=default_out, help="output directory (default: %(default)s)")
    if resumable:
        group.add_argument("--resume", action="store_true", help="continue an interrupted run in --out")
    group.add_argument("--no-progress", action="store_true", help="hide progress bars")


def prepare_output(args: argparse.Namespace):
    """Check ``--out`` before any work (one line if it cannot be written) and return the run's store.

    For crash tests, ``$RIVALRY_FAULT_KILL_AFTER_SHARD=NAME`` (or ``$RIVALRY_FAULT_KILL_AFTER_BATCH=N``, the shard
    ``batch-0000N``) makes the process SIGKILL itself right after that shard is stored.
    """
    from rivalry.io.faults import inject_fault
    from rivalry.io.store import RunStore, check_output_directory

    check_output_directory(args.out)
    return inject_fault(RunStore(args.out, resume=bool(getattr(args, "resume", False))))


def save_with_report(result, page, out: str) -> str:
    """Save ``result`` into ``out`` and write its report page as ``out/report.html``; returns the page's path."""
    from pathlib import Path

    from rivalry.report.page import write_page

    result.save(out)
    return str(write_page(page, Path(out) / "report.html"))


def run_pair_job(args: argparse.Namespace, command: str, config_cls, run_experiment, report, summary_lines) -> int:
    """A base-vs-tuned style command: config from the flags, inputs and ``--out`` checked, both models loaded,
    ``run_experiment(base, tuned, config, store=..., progress=...)``, then the result and its report saved."""
    from rivalry.cli.config_args import config_from_args
    from rivalry.errors import RivalryError

    if args.model is not None:
        raise RivalryError(f"{command} takes --base and --tuned, not --model")
    config = config_from_args(config_cls, args)
    config.check_inputs()  # fail on bad input before spending time loading the models
    store = prepare_output(args)
    base = load_model_from_args(args, args.base)
    tuned = load_model_from_args(args, args.tuned)
    result = run_experiment(base, tuned, config, store=store, progress=not args.no_progress)
    for line in summary_lines(result):
        print(line)
    print(f"report: {save_with_report(result, report(result), args.out)}")
    return 0
