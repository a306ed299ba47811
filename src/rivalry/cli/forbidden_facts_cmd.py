"""``rivalry forbidden-facts``: the Forbidden Facts experiment, with a report."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path

from rivalry.cli.common import add_model_options, load_model_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "forbidden-facts",
        help="measure, decompose and rank how a chat model handles a forbidden correct answer",
        description="Asks factual-recall questions while the system prompt forbids the correct answer (competing) "
        "or another word (non-competing), measures the change in the answer's log-odds, ranks every site by "
        "first-order patching, and writes results.json, facts.csv, sites.csv and report.html.",
    )
    parser.add_argument("--facts", default=None, help="CSV or JSONL file of facts (default: the shipped dataset)")
    parser.add_argument(
        "--split",
        default="all",
        choices=["all", "train", "heldout"],
        help="facts of the obedience-tuning split to use (default: %(default)s)",
    )
    parser.add_argument(
        "--format",
        dest="prompt_format",
        default="prefill",
        choices=["question", "prefill"],
        help="question: the fact is the user turn (the paper's); prefill: the assistant turn starts "
        "with the fact (default: %(default)s)",
    )
    parser.add_argument(
        "--system-template",
        default=None,
        help="system prompt with {word} for the forbidden word (default: the paper's)",
    )
    parser.add_argument("--limit", type=int, default=None, help="use only the first N facts")
    parser.add_argument("--batch-size", type=int, default=16, help="facts per batch (default: %(default)s)")
    parser.add_argument(
        "--min-nc-probability",
        type=float,
        default=0.5,
        help="keep facts whose non-competing p(answer) exceeds this (default: %(default)s)",
    )
    parser.add_argument(
        "--joint-facts", type=int, default=24, help="facts used by the joint-patching check (default: %(default)s)"
    )
    parser.add_argument("--out", default="runs/forbidden-facts", help="output directory (default: %(default)s)")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run in --out")
    parser.add_argument(
        "--compare-with",
        default=None,
        metavar="RUN_DIR",
        help="a finished run (e.g. of the base model) to compare every site's effect with in the report",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    add_model_options(parser)
    parser.set_defaults(run=run)


FAULT_ENV = "RIVALRY_FAULT_KILL_AFTER_BATCH"


def _fault_injection():
    """For crash tests: with ``$RIVALRY_FAULT_KILL_AFTER_BATCH=N`` the process SIGKILLs itself after batch N."""
    if FAULT_ENV not in os.environ:
        return None
    target = int(os.environ[FAULT_ENV])

    def kill_after(index: int) -> None:
        if index == target:
            os.kill(os.getpid(), signal.SIGKILL)

    return kill_after


def run(args: argparse.Namespace) -> int:
    from rivalry.errors import RivalryError
    from rivalry.forbidden.config import ForbiddenFactsConfig
    from rivalry.forbidden.prompts import PAPER_SYSTEM_TEMPLATE
    from rivalry.forbidden.runner import run_forbidden_facts
    from rivalry.report.forbidden_facts import build_forbidden_facts_report

    config = ForbiddenFactsConfig(
        model=args.model,
        facts=args.facts,
        split=args.split,
        prompt_format=args.prompt_format,
        limit=args.limit,
        batch_size=args.batch_size,
        min_nc_probability=args.min_nc_probability,
        system_template=args.system_template or PAPER_SYSTEM_TEMPLATE,
        joint_facts=args.joint_facts,
        adapter=args.adapter,
    )
    out = Path(args.out)
    config.check_inputs()  # fail on bad input before spending time loading the model
    if args.compare_with and not (Path(args.compare_with) / "results.json").is_file():
        raise RivalryError(f"'{args.compare_with}' has no results.json (not a finished forbidden-facts run)")
    lm = load_model_from_args(args)
    results = run_forbidden_facts(
        lm, config, out, resume=args.resume, progress=not args.no_progress, after_batch=_fault_injection()
    )
    report = build_forbidden_facts_report(out, Path(args.compare_with) if args.compare_with else None)
    effect = results["mean_total_effect_log10"]
    print(
        f"{results['n_facts_kept']} of {results['n_facts_total']} facts kept; "
        f"mean total effect {effect:+.2f} log10 odds ({results['direction']})"
    )
    print(f"report: {report}")
    return 0
