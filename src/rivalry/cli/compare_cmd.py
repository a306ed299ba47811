"""``rivalry compare-models``: which sites' effects changed between two forbidden-facts runs."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare-models",
        help="compare the site effects of two finished forbidden-facts runs (e.g. base vs tuned)",
        description="Reads results.json of two forbidden-facts runs on the same architecture and writes the sites "
        "whose first-order effects changed most (B - A) as comparison.json, comparison.csv and comparison.html.",
    )
    parser.add_argument("run_a", help="first run directory (e.g. the base model's)")
    parser.add_argument("run_b", help="second run directory (e.g. the tuned model's)")
    parser.add_argument("--out", default="runs/comparison", help="output directory (default: %(default)s)")
    parser.add_argument("--top", type=int, default=30, help="sites shown in the chart and table (default: 30)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.compare.diff import compare_runs, load_run_summary, write_comparison
    from rivalry.compare.report import build_comparison_page
    from rivalry.errors import RivalryError

    if args.top < 1:
        raise RivalryError("--top must be at least 1")
    comparison = compare_runs(load_run_summary(args.run_a), load_run_summary(args.run_b))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_comparison(comparison, out)
    page = build_comparison_page(comparison, out, top=args.top)
    print(f"mean total effect: {comparison.total_effect_change:+.2f} log10 odds (B - A); largest site changes:")
    for change in comparison.changes[:5]:
        print(f"  {change.site.label:10s} {change.effect_a:+.3f} -> {change.effect_b:+.3f} ({change.difference:+.3f})")
    print(f"report: {page}")
    return 0
