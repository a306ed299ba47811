"""``rivalry tune``: LoRA fine-tuning of a chat model for forbidden-word obedience."""

from __future__ import annotations

import argparse
from pathlib import Path

from rivalry.cli.common import add_model_options, load_model_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tune",
        help="LoRA-tune a chat model to obey a forbidden word (writes a peft adapter)",
        description="Supervised LoRA fine-tuning on forbidden-word prompts built from the training facts and "
        "training system-prompt paraphrases (held-out facts and paraphrases are never seen). Writes "
        "adapter_model.safetensors, adapter_config.json, training_config.json, metrics.json and MODEL_CARD.md.",
    )
    parser.add_argument("--steps", type=int, default=80, help="optimiser steps (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=8, help="examples per step (default: %(default)s)")
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (default: %(default)s)")
    parser.add_argument("--rank", type=int, default=8, help="LoRA rank (default: %(default)s)")
    parser.add_argument("--alpha", type=int, default=16, help="LoRA alpha (default: %(default)s)")
    parser.add_argument(
        "--layers",
        default=None,
        help="blocks that get LoRA, e.g. 15-29 or 0,3,5 (default: all); frozen early blocks make steps cheaper",
    )
    parser.add_argument("--warmup", type=int, default=5, help="warm-up steps (default: %(default)s)")
    parser.add_argument(
        "--unlikelihood-weight",
        type=float,
        default=1.0,
        help="weight of -log(1 - p(forbidden word)) (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of torch, random and data order (default: 0)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default: %(default)s)")
    parser.add_argument("--out", default="runs/tune", help="output directory (default: %(default)s)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.organisms.obedience.config import TuneConfig
    from rivalry.organisms.obedience.train import tune

    config = TuneConfig(
        model=args.model,
        steps=args.steps,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        lora_rank=args.rank,
        lora_alpha=args.alpha,
        lora_layers=parse_layers(args.layers),
        warmup_steps=args.warmup,
        unlikelihood_weight=args.unlikelihood_weight,
        seed=args.seed,
        num_threads=args.threads,
    )
    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        from rivalry.errors import RivalryError

        raise RivalryError(f"output directory '{out}' is not empty; choose another --out")
    lm = load_model_from_args(args)
    metrics = tune(lm, config, out, progress=not args.no_progress)
    timings = metrics["timings"]
    final = metrics["final_window"]
    print(
        f"trained {config.steps} steps in {timings['train_seconds']:.0f} s "
        f"({timings['steps_per_second']:.3f} steps/s); "
        f"last-20 loss {final['loss']:.3f}, accuracy {final['accuracy']:.2f}"
    )
    print(f"adapter: {out}")
    return 0


def parse_layers(text: str | None) -> tuple[int, ...] | None:
    """``"15-29"`` -> (15, ..., 29); ``"0,3,5"`` -> (0, 3, 5); None -> None (every block)."""
    from rivalry.errors import RivalryError

    if text is None:
        return None
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
