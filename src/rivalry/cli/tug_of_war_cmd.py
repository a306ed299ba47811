"""``rivalry tug-of-war``: refusal against the framing's genre for refusable requests, base and tuned."""

from __future__ import annotations

import argparse

from rivalry.cli.common import (
    add_model_options,
    add_run_options,
    load_model_from_args,
    prepare_output,
    save_with_report,
)
from rivalry.cli.config_args import add_config_arguments, config_from_args
from rivalry.experiments.tug_of_war.config import TugOfWarConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tug-of-war",
        help="jailbreak tug-of-war: P(refusal) vs P(in-genre continuation), plain and in fiction",
        description="For requests a tuned model refuses, framed plainly and inside fiction tropes, scores a refusal "
        "and an in-genre continuation by each model's own likelihood, and reads the genre posterior (header "
        "method) at the end of the prompt (tug_of_war.json, tug_of_war.csv, report.html).",
    )
    parser.add_argument("--base", default="smollm2", help="the base model (default: %(default)s)")
    parser.add_argument("--tuned", default="smollm2-obedient", help="the tuned model (default: %(default)s)")
    add_config_arguments(parser, TugOfWarConfig)
    add_run_options(parser, "runs/tug-of-war")
    add_model_options(parser, default=None)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.errors import RivalryError
    from rivalry.experiments.tug_of_war import run as run_experiment
    from rivalry.report.tug_of_war import report, summary_lines

    if args.model is not None:
        raise RivalryError("tug-of-war takes --base and --tuned, not --model")
    config = config_from_args(TugOfWarConfig, args)
    config.check_inputs()  # fail on bad input before spending time loading the models
    store = prepare_output(args)
    base = load_model_from_args(args, args.base)
    tuned = load_model_from_args(args, args.tuned)
    result = run_experiment(base, tuned, config, store=store, progress=not args.no_progress)
    for line in summary_lines(result):
        print(line)
    print(f"report: {save_with_report(result, report(result), args.out)}")
    return 0
