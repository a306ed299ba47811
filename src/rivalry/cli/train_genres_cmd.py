"""``rivalry train-genres``: train the synthetic-genre Llama (what ``synthetic-genres`` ships), save and validate it."""

from __future__ import annotations

import argparse
import dataclasses

from rivalry.cli.config_args import add_config_arguments
from rivalry.genres.synthetic import SyntheticConfig
from rivalry.genres.train import TrainConfig
from rivalry.organisms.genres.train import EVAL_EVERY, VALIDATION_DOCS

CORPUS_FIELDS = tuple(f.name for f in dataclasses.fields(SyntheticConfig) if f.name != "seed")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train-genres",
        help="train the synthetic-genre model from scratch (synthetic-genres; 22 minutes on one thread)",
        description="Trains a tiny Llama on fresh documents of the synthetic HMM genres (whose exact Bayesian genre "
        "posterior is known), saves it (safetensors, tokenizer, configs, train_metrics.json) and validates it "
        "against the exact posterior (genre_validation.json). With the defaults and --threads 1 it remakes "
        "synthetic-genres. --config takes a train_config.json (the corpus nested under 'synthetic').",
        conflict_handler="resolve",  # the model and the corpus settings share one --config
    )
    add_config_arguments(parser, TrainConfig, skip=("synthetic",))
    add_config_arguments(parser, SyntheticConfig, skip=("seed",))
    add_job_options(parser)
    parser.add_argument(
        "--eval-every",
        type=int,
        default=EVAL_EVERY,
        help="log the KL on 128 documents every N steps, a multiple of --log-every; 0: never (default: %(default)s)",
    )
    parser.set_defaults(run=run)


def add_job_options(parser: argparse.ArgumentParser) -> None:
    """``--out`` (required), ``--validation-docs``, ``--threads`` and ``--no-progress``."""
    group = parser.add_argument_group("output")
    group.add_argument("--out", required=True, help="folder to write the model into (created; files replaced)")
    group.add_argument(
        "--validation-docs",
        type=int,
        default=VALIDATION_DOCS,
        help="held-out documents of the final validation (default: %(default)s)",
    )
    group.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads for this run (default: torch's choice)"
    )
    group.add_argument("--no-progress", action="store_true", help="do not print the loss every --log-every steps")


def train_config_from_args(args: argparse.Namespace) -> TrainConfig:
    """``--config`` (the layout of ``train_config.json``) < the model, optimisation and corpus flags."""
    from rivalry.cli.config_args import settings_from_args

    settings = settings_from_args(TrainConfig, args)
    synthetic = dict(settings.pop("synthetic", None) or {})
    synthetic.update({k: settings.pop(k) for k in CORPUS_FIELDS if k in settings})  # corpus keys at the top
    synthetic.update({k: v for k, v in vars(args).items() if k in CORPUS_FIELDS})
    return TrainConfig.from_dict({**settings, "synthetic": synthetic})


def run(args: argparse.Namespace) -> int:
    import json

    from rivalry.cli.runtime import torch_threads
    from rivalry.io.atomic import json_ready
    from rivalry.io.store import check_output_directory
    from rivalry.organisms.genres import train_genre_model

    config = train_config_from_args(args)
    check_output_directory(args.out)
    log = None if args.no_progress else lambda line: print(line, flush=True)
    with torch_threads(args.threads):
        trained = train_genre_model(
            config, args.out, validation_docs=args.validation_docs, eval_every=args.eval_every, log=log
        )
    print(json.dumps(json_ready(trained.validation), indent=2, allow_nan=False))
    print(f"model: {trained.directory}")
    return 0
