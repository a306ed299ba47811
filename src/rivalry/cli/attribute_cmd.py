"""``rivalry attribute``: attribution patching of every site at every position of a forbidden-facts run."""

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
from rivalry.experiments.attribute.config import AttributeConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "attribute",
        help="attribution patching (AtP, QK fix) of every site at every position, and the suppressors' QK split",
        description="Scores every head, MLP and embedding at every position of a forbidden-facts run's prompts by "
        "attribution patching from the competing into the non-competing run (one backward pass per batch, AtP* QK "
        "fix, optional GradDrop bound), checks a sample against real activation patching, and splits the top "
        "suppressor heads' attention score to the forbidden word over upstream components; writes "
        "attribution.json, attribution.safetensors, nodes.csv, qk.json and report.html. The model defaults to the "
        "run's own.",
    )
    add_config_arguments(parser, AttributeConfig, rename={"source_run": "run"})
    add_run_options(parser, "runs/attribute")
    add_model_options(parser, default=None)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.experiments.attribute import load_source_run
    from rivalry.experiments.attribute import run as run_experiment
    from rivalry.report.attribute import report

    config = config_from_args(AttributeConfig, args)
    source = load_source_run(config.source_run)  # a bad run fails before the model loads
    store = prepare_output(args)
    lm = load_model_from_args(args, args.model or source.provenance["model"].name)
    result = run_experiment(lm, config, store=store, progress=not args.no_progress)
    for line in result.summary_lines():
        print(line)
    print(f"report: {save_with_report(result, report(result), args.out)}")
    return 0
