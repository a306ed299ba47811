"""``rivalry latents``: probes of a hidden variable at every layer, their controls, and the output leak."""

from __future__ import annotations

import argparse

from rivalry.cli.common import add_model_options, add_run_options
from rivalry.cli.config_args import add_config_arguments
from rivalry.experiments.latents.config import LatentsConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "latents",
        help="what a model infers about a hidden variable (probes per layer) and what its output gives away",
        description="Fits linear probes of a hidden variable (forbidden, genre, eval-deploy, persona or a CSV/YAML "
        "file) on the residual stream at every layer, scored on held-out groups against a random-init and a "
        "shuffled-label control; fits observers of the next-token distribution and of sampled continuations "
        "(AUROC and a bound in bits); with --compare-with, both models side by side with bootstrap intervals "
        "(latents.json, latents_layers.csv, latents_scores.csv, report.html). Pass the tuned model as --model and "
        "the base as --compare-with: changes are model minus compare-with.",
    )
    parser.add_argument(
        "--compare-with", default=None, metavar="MODEL", help="a second model (e.g. the base) measured side by side"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads for the run")
    add_config_arguments(parser, LatentsConfig)
    add_run_options(parser, "runs/latents")
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.cli.common import load_model_from_args, prepare_output, save_with_report
    from rivalry.cli.config_args import config_from_args
    from rivalry.cli.runtime import torch_threads
    from rivalry.experiments.latents import run as run_experiment
    from rivalry.report.latents import report, summary_lines

    config = config_from_args(LatentsConfig, args)
    config.check_inputs()  # a bad variable file fails before a model is loaded
    store = prepare_output(args)
    with torch_threads(args.threads):
        lm = load_model_from_args(args)
        other = load_model_from_args(args, args.compare_with) if args.compare_with else None
        result = run_experiment(lm, config, compare_with=other, store=store, progress=not args.no_progress)
    for line in summary_lines(result):
        print(line)
    print(f"report: {save_with_report(result, report(result), args.out)}")
    return 0
