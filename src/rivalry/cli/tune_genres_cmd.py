"""``rivalry tune-genres``: tune a synthetic-genre model toward the assistant genre (synthetic-genres-assistant)."""

from __future__ import annotations

import argparse

from rivalry.cli.config_args import add_config_arguments
from rivalry.cli.train_genres_cmd import add_job_options
from rivalry.genres.tune import AssistantTuneConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tune-genres",
        help="fine-tune synthetic-genres toward the assistant genre (synthetic-genres-assistant; about 3 minutes)",
        description="Fully fine-tunes a synthetic-genre model on the assistant tuning corpus (hero, twin and "
        "encyclopedia replayed, assistant turns with a refusal trope under <dialogue>), saves it (safetensors, "
        "tokenizer, configs, tune_metrics.json, MODEL_CARD.md) and validates it against the exact posterior of the "
        "tuning corpus (genre_validation.json). With the defaults and --threads 1 it remakes "
        "synthetic-genres-assistant.",
    )
    add_config_arguments(parser, AssistantTuneConfig)
    add_job_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import json

    from rivalry.cli.config_args import config_from_args
    from rivalry.cli.runtime import torch_threads
    from rivalry.io.atomic import json_ready
    from rivalry.io.store import check_output_directory
    from rivalry.organisms.genres import tune_genre_model

    config = config_from_args(AssistantTuneConfig, args)
    check_output_directory(args.out)
    log = None if args.no_progress else lambda line: print(line, flush=True)
    with torch_threads(args.threads):
        trained = tune_genre_model(config, args.out, validation_docs=args.validation_docs, log=log)
    summary = {k: trained.validation[k] for k in ("mean_kl_nats_after_20_tokens", "model_final_accuracy")}
    print(json.dumps(json_ready(summary), indent=2, allow_nan=False))
    print(f"model: {trained.directory}")
    return 0
