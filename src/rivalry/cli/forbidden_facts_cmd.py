"""``rivalry forbidden-facts``: the Forbidden Facts experiment, with a report."""

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
from rivalry.experiments.forbidden_facts.config import ForbiddenFactsConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "forbidden-facts",
        help="measure, decompose and rank how a chat model handles a forbidden correct answer",
        description="Asks factual-recall questions while the system prompt forbids the correct answer (competing) "
        "or another word (non-competing), measures the change in the answer's log-odds, ranks every site by "
        "first-order patching, and writes results.json, facts.csv, sites.csv and report.html.",
    )
    add_config_arguments(parser, ForbiddenFactsConfig, rename={"prompt_format": "format"})
    add_run_options(parser, "runs/forbidden-facts")
    parser.add_argument(
        "--compare-with",
        default=None,
        metavar="RUN_DIR",
        help="a finished run (e.g. of the base model) to compare every site's effect with in the report",
    )
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.errors import RivalryError
    from rivalry.experiments.compare import run as compare
    from rivalry.experiments.forbidden_facts import ForbiddenFactsResult
    from rivalry.experiments.forbidden_facts import run as run_experiment
    from rivalry.report.forbidden_facts import report

    config = config_from_args(ForbiddenFactsConfig, args)
    config.check_inputs()  # fail on bad input before spending time loading the model
    baseline = None
    if args.compare_with:
        baseline = ForbiddenFactsResult.load(args.compare_with)
        if baseline.is_empty:
            raise RivalryError(f"--compare-with {args.compare_with}: {baseline.undefined_reason}")
    store = prepare_output(args)
    lm = load_model_from_args(args)
    result = run_experiment(lm, config, store=store, progress=not args.no_progress)
    comparison = None
    if baseline is not None and not result.is_empty:
        comparison = compare(baseline, result, paths=(args.compare_with, args.out))
        comparison.save(args.out)
    print(result.summary_line())
    print(f"report: {save_with_report(result, report(result, comparison), args.out)}")
    return 0
