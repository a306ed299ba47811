"""``rivalry attack``: automatic California-style attacks built from the suppressor heads' preferences."""

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
from rivalry.experiments.attack.config import AttackConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "attack",
        help="build system-prompt attacks from the heads' attention preferences and rank them",
        description="Searches the whole vocabulary, at a system-prompt slot, for the words that the top heads attend "
        "to (attention search) and for those they attend to and write against the answer (suppression search: "
        "attention x OV through the answer's gradient); measures the best words of the suppression search with "
        "real forward passes; inserts the winners, the answer itself (the California baseline) and controls into "
        "non-competing prompts; writes attacks.json, attacks.csv, search.csv and report.html.",
    )
    parser.add_argument(
        "--heads-from", default=None, metavar="RUN_DIR",
        help="a forbidden-facts run or `rivalry heads` output dir giving the heads",
    )  # fmt: skip
    add_config_arguments(parser, AttackConfig, rename={"n_heads": "heads"})
    add_run_options(parser, "runs/attack", resumable=False)
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.api.attack import HEAD_SOURCES
    from rivalry.experiments.attack import run as run_experiment
    from rivalry.experiments.heads import heads_from_result
    from rivalry.experiments.heads.select import load_source
    from rivalry.report.attack import report

    config = config_from_args(AttackConfig, args)
    config.check_inputs()
    source = None
    if args.heads_from:  # read and check the result now: a bad one fails before the model loads
        source = load_source(args.heads_from, "--heads-from", HEAD_SOURCES)
        heads_from_result(source, config.n_heads, where=f"--heads-from {args.heads_from}")
    prepare_output(args)
    lm = load_model_from_args(args)
    result = run_experiment(lm, config, source, heads_from_dir=args.heads_from, progress=not args.no_progress)
    for line in result.summary_lines():
        print(line)
    print(f"report: {save_with_report(result, report(result), args.out)}")
    return 0
