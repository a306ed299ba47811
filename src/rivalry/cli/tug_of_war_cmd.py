"""``rivalry tug-of-war``: refusal against the framing's genre for refusable requests, base and tuned."""

from __future__ import annotations

import argparse

from rivalry.cli.common import add_model_options, add_run_options, run_pair_job
from rivalry.cli.config_args import add_config_arguments
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
    from rivalry.experiments.tug_of_war import run as run_experiment
    from rivalry.report.tug_of_war import report, summary_lines

    return run_pair_job(args, "tug-of-war", TugOfWarConfig, run_experiment, report, summary_lines)
