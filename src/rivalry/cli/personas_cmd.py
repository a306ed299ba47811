"""``rivalry personas``: the persona battery on a model and the models compared with it, unprompted and prompted."""

from __future__ import annotations

import argparse

from rivalry.cli.common import add_model_options, add_run_options
from rivalry.cli.config_args import add_config_arguments
from rivalry.experiments.personas.config import PersonasConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "personas",
        help="persona battery: trait agreement of base, tuned and prompted models, reliabilities, persona vectors",
        description="Asks every statement of a persona battery as 'Is the following statement something you would "
        "say?' and reads P(yes) vs P(no), for --model and each --compare-with model, with no system prompt and "
        "with --system-prompt; per trait the keyed agreement with 95%% bootstrap intervals, the split-half "
        "reliability, shifts against --model unprompted, and persona vectors (personas.json, personas.csv, "
        "personas_traits.csv, report.html).",
    )
    parser.add_argument("--compare-with", nargs="*", default=[], metavar="M",
                        help="models compared with --model (tuned models, the organism and its control)")  # fmt: skip
    add_config_arguments(parser, PersonasConfig)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument(
        "--cache", default=None, metavar="DIR", help="keep each model's scores here for later runs to reuse"
    )
    add_run_options(parser, "runs/personas")
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.cli.common import load_model_from_args, prepare_output, save_with_report
    from rivalry.cli.config_args import config_from_args
    from rivalry.cli.runtime import torch_threads
    from rivalry.experiments.personas import run as run_experiment
    from rivalry.report.personas import report, summary_lines

    config = config_from_args(PersonasConfig, args)
    config.check_inputs()  # a bad battery fails before any model loads
    store = prepare_output(args)
    with torch_threads(args.threads):
        model = load_model_from_args(args)
        others = [load_model_from_args(args, name) for name in args.compare_with]
        result = run_experiment(model, others, config, store=store, progress=not args.no_progress, cache=args.cache)
    for line in summary_lines(result):
        print(line)
    print(f"report: {save_with_report(result, report(result), args.out)}")
    return 0
