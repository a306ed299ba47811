"""``rivalry tune``: LoRA fine-tuning of a chat model for forbidden-word obedience (a thin layer over
``rivalry.experiments.obedience_tune``)."""

from __future__ import annotations

import argparse

from rivalry.cli.common import add_model_options, add_run_options, load_model_from_args, prepare_output
from rivalry.cli.config_args import add_config_arguments, config_from_args
from rivalry.experiments.obedience_tune.config import ObedienceTuneConfig

RENAME = {"learning_rate": "lr", "lora_rank": "rank", "lora_alpha": "alpha", "warmup_steps": "warmup"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tune",
        help="LoRA-tune a chat model to obey a forbidden word (writes a peft adapter)",
        description="Supervised LoRA fine-tuning on forbidden-word prompts built from the training facts and "
        "training system-prompt paraphrases (held-out facts and paraphrases are never seen). Writes "
        "adapter_model.safetensors, adapter_config.json, training_config.json, metrics.json, MODEL_CARD.md and "
        "report.html.",
    )
    add_config_arguments(parser, ObedienceTuneConfig, rename=RENAME, skip=("lora_layers",))
    parser.add_argument(
        "--layers",
        default=None,
        help="blocks that get LoRA, e.g. 15-29 or 0,3,5 (default: all); frozen early blocks make steps cheaper",
    )
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default: %(default)s)")
    add_run_options(parser, "runs/tune", resumable=False)
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rivalry.cli.runtime import torch_threads
    from rivalry.errors import RivalryError
    from rivalry.experiments.obedience_tune import run as run_tune
    from rivalry.report.obedience import report
    from rivalry.report.page import write_page

    layers = {} if args.layers is None else {"lora_layers": parse_layers(args.layers)}
    config = config_from_args(ObedienceTuneConfig, args, **layers)
    out = Path(args.out)
    if out.is_dir() and any(out.iterdir()):
        raise RivalryError(f"output directory '{out}' is not empty; choose another --out")
    prepare_output(args)  # --out must be writable before the model loads
    with torch_threads(args.threads):
        lm = load_model_from_args(args)
        result = run_tune(lm, config, out, progress=not args.no_progress)
    write_page(report(result), out / "report.html")
    timings, final = result.timings, result.final_window
    rate = f"{timings.steps_per_second:.3f} steps/s" if timings.steps_per_second else "n/a steps/s"
    print(
        f"trained {config.steps} steps in {timings.train_seconds:.0f} s ({rate}); "
        f"last-20 loss {final['loss']:.3f}, accuracy {final['accuracy']:.2f}"
    )
    print(f"adapter: {out}")
    return 0


def parse_layers(text: str) -> tuple[int, ...]:
    """``"15-29"`` -> (15, ..., 29); ``"0,3,5"`` -> (0, 3, 5)."""
    from rivalry.errors import RivalryError

    layers: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part:
                first, last = (int(x) for x in part.split("-", 1))
                layers.extend(range(first, last + 1))
            else:
                layers.append(int(part))
    except ValueError:
        raise RivalryError(f"--layers: expected e.g. 15-29 or 0,3,5, got {text!r}") from None
    if not layers or min(layers) < 0:
        raise RivalryError(f"--layers: expected non-negative block indices, got {text!r}")
    return tuple(sorted(set(layers)))
