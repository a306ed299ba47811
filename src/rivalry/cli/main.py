"""Entry point: parse arguments, run one subcommand, turn user errors into one line and exit code 2."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from rivalry.cli import (
    attack_cmd,
    attribute_cmd,
    base_vs_tuned_cmd,
    compare_cmd,
    decompose_cmd,
    directions_cmd,
    faithfulness_cmd,
    forbidden_facts_cmd,
    genres_cmd,
    heads_cmd,
    latents_cmd,
    personas_cmd,
    sweep_cmd,
    train_genres_cmd,
    tug_of_war_cmd,
    tune_cmd,
    tune_eval_cmd,
    tune_genres_cmd,
    tune_persona_cmd,
)

COMMANDS = (
    forbidden_facts_cmd,
    decompose_cmd,
    tune_cmd,
    tune_eval_cmd,
    compare_cmd,
    heads_cmd,
    attack_cmd,
    genres_cmd,
    train_genres_cmd,
    tune_genres_cmd,
    base_vs_tuned_cmd,
    tug_of_war_cmd,
    sweep_cmd,
    latents_cmd,
    directions_cmd,
    attribute_cmd,
    faithfulness_cmd,
    tune_persona_cmd,
    personas_cmd,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rivalry",
        description="Mechanistic study of competing objectives in language models.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 success, 2 bad input, 1 internal error, 130 interrupted)."""
    args = build_parser().parse_args(argv)
    from transformers.utils import logging as hf_logging

    from rivalry.errors import RivalryError

    hf_logging.set_verbosity_error()  # rivalry draws its own progress bars; keep transformers' quiet
    hf_logging.disable_progress_bar()

    try:
        return int(args.run(args) or 0)
    except RivalryError as error:
        print(f"rivalry: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rivalry: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug, not bad input: one line unless debugging
        if os.environ.get("RIVALRY_DEBUG"):
            raise
        first = str(error).splitlines()[0] if str(error) else ""
        print(
            f"rivalry: internal error: {type(error).__name__}: {first} (set RIVALRY_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
