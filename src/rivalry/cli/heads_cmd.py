"""``rivalry heads``: where the heads look (the forbidden word) and what they suppress (OV circuits)."""

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
from rivalry.experiments.heads.config import HeadsConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "heads",
        help="attention on the forbidden word and OV suppression of every head",
        description="Measures, for every head, the attention its predicting position puts on the forbidden word "
        "(competing and irrelevant-word prompts) and its OV suppression score on the facts' answer tokens; picks "
        "the top heads (from a forbidden-facts run with --run, else by attention x suppression) and writes "
        "heads.json, heads.safetensors, heads.csv and report.html.",
    )
    parser.add_argument(
        "--run", dest="run_dir", default=None, metavar="RUN_DIR",
        help="finished forbidden-facts run dir: take its most suppressive heads",
    )  # fmt: skip
    add_config_arguments(parser, HeadsConfig, rename={"n_top": "top"})
    add_run_options(parser, "runs/heads", resumable=False)
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.experiments.forbidden_facts import ForbiddenFactsResult
    from rivalry.experiments.heads import heads_from_result
    from rivalry.experiments.heads import run as run_experiment
    from rivalry.experiments.heads.select import load_forbidden_facts
    from rivalry.report.heads import report

    config = config_from_args(HeadsConfig, args)
    config.check_inputs()
    source: ForbiddenFactsResult | None = None
    if args.run_dir:  # read and check the run now: a bad one fails before the model loads
        source = load_forbidden_facts(args.run_dir, "--run")
        heads_from_result(source, config.n_top, where=f"--run {args.run_dir}")
    prepare_output(args)
    lm = load_model_from_args(args)
    result = run_experiment(lm, config, source, run_dir=args.run_dir, progress=not args.no_progress)
    print(result.summary_line())
    print(f"report: {save_with_report(result, report(result), args.out)}")
    return 0
