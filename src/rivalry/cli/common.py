"""Options and helpers shared by the subcommands (no heavy imports here)."""

from __future__ import annotations

import argparse


def add_model_options(parser: argparse.ArgumentParser, default: str | None = "smollm2") -> None:
    """``--model`` and the loading options every model-using command takes."""
    group = parser.add_argument_group("model")
    group.add_argument(
        "--model",
        default=default,
        help="named model (smollm2, ...), a local directory, or a Hugging Face id (default: %(default)s)",
    )
    group.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"])
    group.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ... (default: %(default)s)")
    group.add_argument("--device-map", default=None, help='e.g. "auto" to spread a large model over GPUs (accelerate)')
    group.add_argument(
        "--allow-pickle",
        action="store_true",
        help="allow loading pickle (.bin) weights; pickle can run arbitrary code",
    )
    group.add_argument("--adapter", default=None, help="directory of a LoRA adapter (peft, safetensors) to merge in")
    group.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="allow model code from the model's repository (off by default)",
    )


def load_model_from_args(args: argparse.Namespace, name: str | None = None):
    """Load the model named by ``--model`` (or ``name``) with the loading options."""
    from rivalry.models.loading import LoadOptions, load_model

    options = LoadOptions(
        dtype=args.dtype,
        device=args.device,
        device_map=args.device_map,
        allow_pickle=args.allow_pickle,
        adapter=args.adapter,
        trust_remote_code=args.trust_remote_code,
    )
    return load_model(name or args.model, options)
