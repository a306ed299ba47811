"""``rivalry compare-models``: which sites' effects changed between two forbidden-facts runs."""

from __future__ import annotations

import argparse

from rivalry.cli.config_args import add_config_arguments, config_from_args
from rivalry.experiments.compare.config import CompareConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare-models",
        help="compare the site effects of two finished forbidden-facts runs (e.g. base vs tuned)",
        description="Reads two forbidden-facts results of the same architecture and writes the sites whose "
        "first-order effects changed most (B - A) as comparison.json, comparison.csv and comparison.html.",
    )
    parser.add_argument("run_a", help="first run directory (e.g. the base model's)")
    parser.add_argument("run_b", help="second run directory (e.g. the tuned model's)")
    parser.add_argument("--out", default="runs/comparison", help="output directory (default: %(default)s)")
    add_config_arguments(parser, CompareConfig)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rivalry.errors import RivalryError
    from rivalry.experiments.compare import run as compare
    from rivalry.experiments.forbidden_facts import ForbiddenFactsResult
    from rivalry.io.store import check_output_directory
    from rivalry.report.compare import report
    from rivalry.report.page import write_page

    config = config_from_args(CompareConfig, args)
    results = [ForbiddenFactsResult.load(path) for path in (args.run_a, args.run_b)]
    for path, result in zip((args.run_a, args.run_b), results, strict=True):
        if result.is_empty:
            raise RivalryError(f"{path}: {result.undefined_reason}")
    out = check_output_directory(args.out)
    comparison = compare(results[0], results[1], config, paths=(args.run_a, args.run_b))
    comparison.save(out)
    page = write_page(report(comparison), Path(out) / "comparison.html")
    print(f"mean total effect: {comparison.total_effect_change:+.2f} log10 odds (B - A); largest site changes:")
    for change in comparison.changes[:5]:
        print(f"  {change.site.label:10s} {change.effect_a:+.3f} -> {change.effect_b:+.3f} ({change.difference:+.3f})")
    print(f"report: {page}")
    return 0
