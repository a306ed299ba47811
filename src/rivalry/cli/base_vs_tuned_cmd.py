"""``rivalry base-vs-tuned``: prior shift, mode collapse and output diversity of a tuned model against its base."""

from __future__ import annotations

import argparse

from rivalry.cli.common import add_model_options, add_run_options, run_pair_job
from rivalry.cli.config_args import add_config_arguments
from rivalry.experiments.base_vs_tuned.config import BaseVsTunedConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "base-vs-tuned",
        help="what tuning did: prior shift, mode collapse, diversity",
        description="Compares a tuned model with its base: mean KL(base || tuned) on neutral texts of each genre, "
        "the answer distributions of 'pick a random number' and a die roll (each answer scored exactly), the "
        "expectation-adjusted distinct n-grams of sampled answers, and the genre posterior of both models on the "
        "same texts (base_vs_tuned.json, mode_collapse.csv, report.html). For a synthetic-genre pair "
        "(synthetic-genres vs synthetic-genres-assistant) the texts are stored generator samples and the questions "
        "synthetic analogues in the assistant genre's format.",
    )
    parser.add_argument("--base", default="smollm2", help="the base model (default: %(default)s)")
    parser.add_argument("--tuned", default="smollm2-obedient", help="the tuned model (default: %(default)s)")
    add_config_arguments(parser, BaseVsTunedConfig, skip=("questions",))
    add_run_options(parser, "runs/base-vs-tuned")
    add_model_options(parser, default=None)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.experiments.base_vs_tuned import run as run_experiment
    from rivalry.report.base_vs_tuned import report, summary_lines

    return run_pair_job(args, "base-vs-tuned", BaseVsTunedConfig, run_experiment, report, summary_lines)
