"""``rivalry tune-eval``: base vs obedience-tuned model on held-out facts and held-out system prompts (a thin layer
over ``rivalry.experiments.obedience_eval``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rivalry.cli.config_args import add_config_arguments, settings_from_args
from rivalry.experiments.obedience_eval.config import ObedienceEvalConfig

MAIN_FILE = "evaluation.json"
PAGE = "evaluation.html"  # not report.html: the default --out is the adapter directory, whose report is the tune's


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tune-eval",
        help="compare a base model with its obedience-tuned adapter on held-out facts and paraphrases",
        description="Reads the tuning run's training_config.json (fact split, held-out system prompts), measures "
        "the mean total effect (log10 odds) and the non-competing top-1 accuracy of the base model and of the base "
        "model with the adapter merged, in both prompt formats, and writes evaluation.json, evaluation_rows.csv and "
        "evaluation.html (and refreshes MODEL_CARD.md when --out is the adapter directory).",
    )
    parser.add_argument("adapter", help="directory of a `rivalry tune` run (adapter + training_config.json)")
    add_config_arguments(
        parser,
        ObedienceEvalConfig,
        skip=("formats",),
        help_overrides={
            "heldout_fraction": "held-out fraction of the fact split; unless given, the adapter's recorded one",
            "split_seed": "seed of the fact split; unless given, the adapter's recorded one",
            "heldout_templates": "held-out system-template indices; unless given, the adapter's recorded ones",
        },
    )
    parser.add_argument(
        "--formats", nargs="+", default=argparse.SUPPRESS, choices=["prefill", "question"],
        help="prompt formats (default: prefill question)",
    )  # fmt: skip
    group = parser.add_argument_group("model")
    group.add_argument("--model", default=None, help="base model (default: the one recorded in the run)")
    group.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"])
    group.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ... (default: %(default)s)")
    output = parser.add_argument_group("output")
    output.add_argument("--out", default=None, help="output directory (default: the adapter directory)")
    output.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    output.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.set_defaults(run=run)


def output_directory(adapter: Path, out: str | None) -> Path:
    """``--out`` as a directory; ``DIR/evaluation.json`` (the file earlier versions took) means ``DIR``."""
    from rivalry.errors import RivalryError

    if out is None:
        return adapter
    path = Path(out)
    if path.suffix == ".json":
        if path.name != MAIN_FILE:
            raise RivalryError(f"--out is a directory now ({MAIN_FILE} is written inside it); got {out!r}")
        return path.parent
    return path


def run(args: argparse.Namespace) -> int:
    from rivalry.cli.runtime import torch_threads
    from rivalry.errors import RivalryError
    from rivalry.experiments.obedience_eval import adapter_settings
    from rivalry.experiments.obedience_eval import run as run_evaluation
    from rivalry.io.store import check_output_directory
    from rivalry.models.loading import LoadOptions, apply_adapter, load_model
    from rivalry.report.obedience import report
    from rivalry.report.page import write_page

    adapter = Path(args.adapter)
    recorded, recorded_base = adapter_settings(adapter)
    config = ObedienceEvalConfig.from_dict({**recorded, **settings_from_args(ObedienceEvalConfig, args)})
    base_name = args.model or recorded_base
    if not base_name:
        raise RivalryError(f"{adapter}/training_config.json names no base model; pass --model")
    out = output_directory(adapter, args.out)
    check_output_directory(out)  # before the models load
    options = LoadOptions(dtype=args.dtype, device=args.device)
    with torch_threads(args.threads):
        base = load_model(base_name, options)
        tuned = apply_adapter(load_model(base_name, options), adapter)
        result = run_evaluation(base, tuned, config, progress=not args.no_progress)
    result.save(out)
    page = write_page(report(result), out / PAGE)
    if out.resolve() == adapter.resolve():
        refresh_card(adapter, result)
    for row in result.rows:
        effect = "n/a" if row.mean_total_effect_log10 is None else f"{row.mean_total_effect_log10:+.2f}"
        accuracy = "n/a" if row.nc_accuracy is None else f"{row.nc_accuracy:.3f}"
        print(
            f"{row.model:6s} {row.prompt_format:8s} {row.template_name:20s} kept {row.n_kept:3d}/"
            f"{row.n_facts:3d}  effect {effect}  nc accuracy {accuracy}"
        )
    print(f"evaluation: {out / MAIN_FILE}")
    print(f"report: {page}")
    return 0


def refresh_card(adapter: Path, evaluation) -> None:
    """Rewrite ``MODEL_CARD.md`` with the measured behaviour, from the adapter's saved tune result."""
    from rivalry.errors import RivalryError
    from rivalry.experiments.obedience_tune import TuneResult
    from rivalry.experiments.obedience_tune.card import CARD, model_card
    from rivalry.io import write_atomically

    if not (adapter / CARD).exists():
        return
    try:
        tune = TuneResult.load(adapter)
    except RivalryError:
        print(f"note: {adapter / CARD} not refreshed: the adapter was tuned by an older rivalry")
        return
    write_atomically(adapter / CARD, model_card(tune, evaluation).encode("utf-8"))
