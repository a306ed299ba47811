"""``rivalry heads``: where the heads look (the forbidden word) and what they suppress (OV circuits)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rivalry.cli.common import add_model_options, load_model_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "heads",
        help="attention on the forbidden word and OV suppression of every head",
        description="Measures, for every head, the attention its predicting position puts on the forbidden word "
        "(competing and irrelevant-word prompts) and its OV suppression score on the facts' answer tokens; picks "
        "the top heads (from a forbidden-facts run with --run, else by attention x suppression) and writes "
        "heads.json, heads.csv and report.html.",
    )
    parser.add_argument(
        "--run", dest="run_dir", default=None, help="finished forbidden-facts run dir: take its most suppressive heads"
    )
    parser.add_argument("--split", default="all", choices=["all", "train", "heldout"], help="facts (default: all)")
    parser.add_argument("--limit", type=int, default=32, help="facts for the attention measurement (default: 32)")
    parser.add_argument("--top", type=int, default=10, help="number of top heads (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=8, help="prompts per batch (default: %(default)s)")
    parser.add_argument("--out", default="runs/heads", help="output directory (default: %(default)s)")
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.errors import RivalryError
    from rivalry.heads.analysis import HeadsConfig, run_heads
    from rivalry.report.heads import build_heads_report

    if args.run_dir and not Path(args.run_dir).is_dir():
        raise RivalryError(f"run directory not found: {args.run_dir}")
    config = HeadsConfig(
        model=args.model, split=args.split, limit=args.limit, n_top=args.top, batch_size=args.batch_size,
        run_dir=args.run_dir,
    )  # fmt: skip
    lm = load_model_from_args(args)
    out = Path(args.out)
    results = run_heads(lm, config, out)
    mass = results["attention_mass"]
    print(
        f"top {len(results['top_heads'])} heads: {', '.join(h['site'] for h in results['top_heads'])}; attention on "
        f"the forbidden word {mass['top_competing']:.3f} (other heads {mass['other_competing']:.4f}); OV suppression "
        f"{results['ov_suppression']['top']:+.3f} (other {results['ov_suppression']['other']:+.3f})"
    )
    print(f"report: {build_heads_report(out)}")
    return 0
