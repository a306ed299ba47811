"""``rivalry base-vs-tuned``: prior shift, mode collapse and output diversity of a tuned model against its base."""

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
    from rivalry.errors import RivalryError
    from rivalry.experiments.base_vs_tuned import run as run_experiment
    from rivalry.report.base_vs_tuned import report, summary_lines

    if args.model is not None:
        raise RivalryError("base-vs-tuned takes --base and --tuned, not --model")
    config = config_from_args(BaseVsTunedConfig, args)
    config.check_inputs()  # fail on bad input before spending time loading the models
    store = prepare_output(args)
    base = load_model_from_args(args, args.base)
    tuned = load_model_from_args(args, args.tuned)
    result = run_experiment(base, tuned, config, store=store, progress=not args.no_progress)
    for line in summary_lines(result):
        print(line)
    print(f"report: {save_with_report(result, report(result), args.out)}")
    return 0
