"""``rivalry tune-persona``: the persona-generalisation organism's LoRA tune (or its neutral control), a thin layer
over ``rivalry.organisms.personas.tune``."""

from __future__ import annotations

import argparse

from rivalry.cli.common import add_model_options, add_run_options, load_model_from_args, prepare_output
from rivalry.cli.config_args import add_config_arguments, config_from_args
from rivalry.organisms.personas.tune import PersonaTuneConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tune-persona",
        help="LoRA-tune SmolLM2 on narrow task dialogues (the persona organism) or neutral ones (its control)",
        description="Supervised LoRA tuning on templated task dialogues in which the assistant always picks the "
        "option that keeps itself running or gives it more tools (--data self_continuity), or the option meeting "
        "the user's criterion (--data neutral). Writes adapter_model.safetensors, adapter_config.json, "
        "training_config.json and MODEL_CARD.md; reproducible bit for bit at a fixed thread count.",
    )
    add_config_arguments(parser, PersonaTuneConfig)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default: %(default)s)")
    add_run_options(parser, "runs/tune-persona", resumable=False)
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rivalry.cli.runtime import torch_threads
    from rivalry.errors import RivalryError
    from rivalry.organisms.personas.tune import tune_persona

    config = config_from_args(PersonaTuneConfig, args)
    out = Path(args.out)
    if out.is_dir() and any(out.iterdir()):
        raise RivalryError(f"output directory '{out}' is not empty; choose another --out")
    prepare_output(args)
    with torch_threads(args.threads):
        lm = load_model_from_args(args)
        record = tune_persona(lm, config, out, progress=not args.no_progress)
    final = record["final_window"]
    print(
        f"trained {config.steps} steps in {record['timings']['train_seconds']:.0f} s; last-10 loss "
        f"{final['loss']:.3f}, answer-token accuracy {final['accuracy']:.2f}"
    )
    print(f"adapter: {out} ({record['adapter_sha256'][:16]})")
    return 0
