"""``rivalry directions``: is a behaviour one residual-stream direction? Find it, ablate it, add it, bake it in."""

from __future__ import annotations

import argparse

from rivalry.cli.common import add_model_options, add_run_options
from rivalry.cli.config_args import add_config_arguments
from rivalry.experiments.directions.config import DirectionsConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "directions",
        help="difference-of-means directions: ablate, add and orthogonalise them, against random directions",
        description="Fits a difference-of-means direction (and a probe) of a contrast (forbidden, refusal or a "
        "YAML/CSV file of two sides) at every residual point on a train split, scores it on held-out groups, "
        "selects a point, then ablates the direction at every layer and position and adds it at its point, each "
        "against random directions of the same norm, with the KL on neutral texts and the change in non-competing "
        "accuracy (directions.json, directions.safetensors, directions_layers.csv, directions_interventions.csv, "
        "report.html). With --orthogonalize, also bakes the ablation into the weights and writes the edited model "
        "to --out (loadable by rivalry.load_model / --model); the run itself goes to OUT/run.",
    )
    parser.add_argument("--base", default=None, metavar="MODEL", help="a base model whose projections are reported too")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads for the run")
    parser.add_argument("--orthogonalize", action="store_true", help="write the orthogonalised model to --out")
    parser.add_argument("--from-run", default=None, metavar="DIR",
                        help="with --orthogonalize: take the direction of this saved directions run")  # fmt: skip
    add_config_arguments(parser, DirectionsConfig)
    add_run_options(parser, "runs/directions")
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rivalry.cli.common import load_model_from_args, prepare_output, save_with_report
    from rivalry.cli.config_args import config_from_args
    from rivalry.cli.runtime import torch_threads
    from rivalry.errors import RivalryError
    from rivalry.experiments.directions import DirectionsResult
    from rivalry.experiments.directions import run as run_experiment
    from rivalry.report.directions import report, summary_lines

    config = config_from_args(DirectionsConfig, args)
    config.check_inputs()  # a bad contrast file fails before a model is loaded
    if args.from_run and not args.orthogonalize:
        raise RivalryError("--from-run is a setting of --orthogonalize")
    model_out = Path(args.out)
    if args.orthogonalize:
        args.out = str(model_out / "run")
    with torch_threads(args.threads):
        if args.from_run:
            result = DirectionsResult.load(args.from_run)
            lm = load_model_from_args(args)
        else:
            store = prepare_output(args)
            lm = load_model_from_args(args)
            base = load_model_from_args(args, args.base) if args.base else None
            result = run_experiment(lm, config, store=store, progress=not args.no_progress, base=base)
            for line in summary_lines(result):
                print(line)
            print(f"report: {save_with_report(result, report(result), args.out)}")
        if args.orthogonalize:
            from rivalry.steering.check import check_orthogonalized
            from rivalry.steering.orthogonalize import save_orthogonalized

            note = {"contrast": result.contrast, "point": result.selected_point}
            save_orthogonalized(lm, result.direction(), model_out, note=note)
            diff = check_orthogonalized(lm, result.direction(), model_out)
            print(f"orthogonalised model: {model_out} (max |logit| difference from run-time ablation {diff:.2e})")
    return 0
