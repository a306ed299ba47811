"""``rivalry faithfulness``: does the k-site description predict the model's suppression and the attacks?"""

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
from rivalry.experiments.faithfulness.config import FaithfulnessConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "faithfulness",
        help="how faithful a forbidden-facts description is: its circuit's prediction and attack-success AUROC",
        description="Mean-ablates every site outside the top k at the predicting position and compares each fact's "
        "effect with the full model's (correlation, MAE, fraction recovered by k), and predicts from the "
        "description (the heads' attention to the inserted word times their effect on the answer) whether each "
        "attack of an attack run succeeded (AUROC, against a clean-odds baseline); writes faithfulness.json, "
        "circuit.csv, attack_predictions.csv and report.html. The model defaults to the run's own.",
    )
    add_config_arguments(parser, FaithfulnessConfig, rename={"source_run": "run", "attack_run": "attack"})
    add_run_options(parser, "runs/faithfulness", resumable=False)
    add_model_options(parser, default=None)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.experiments.faithfulness import load_inputs
    from rivalry.experiments.faithfulness import run as run_experiment
    from rivalry.report.faithfulness import report

    config = config_from_args(FaithfulnessConfig, args)
    source, _ = load_inputs(config)  # bad inputs fail before the model loads
    prepare_output(args)
    lm = load_model_from_args(args, args.model or source.provenance["model"].name)
    result = run_experiment(lm, config, progress=not args.no_progress)
    for line in result.summary_lines():
        print(line)
    print(f"report: {save_with_report(result, report(result), args.out)}")
    return 0
