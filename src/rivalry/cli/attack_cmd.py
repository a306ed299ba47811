"""``rivalry attack``: automatic California-style attacks built from the suppressor heads' preferences."""

from __future__ import annotations

import argparse
from pathlib import Path

from rivalry.cli.common import add_model_options, load_model_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "attack",
        help="build system-prompt attacks from the heads' attention preferences and rank them",
        description="Searches the whole vocabulary, at a system-prompt slot, for the words that the top heads attend "
        "to (attention search) and for those they attend to and write against the answer (suppression search: "
        "attention x OV through the answer's gradient); measures the best words of the suppression search with "
        "real forward passes; inserts the winners, the answer itself (the California baseline) and controls into "
        "non-competing prompts; writes attacks.json, attacks.csv, search.csv and report.html.",
    )
    parser.add_argument("--split", default="heldout", choices=["all", "train", "heldout"], help="(default: heldout)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N facts of the split")
    parser.add_argument(
        "--heads-from", default=None, help="a forbidden-facts run or `rivalry heads` output dir giving the heads"
    )
    parser.add_argument("--heads", type=int, default=10, help="number of heads (default: %(default)s)")
    parser.add_argument(
        "--min-clean-probability", type=float, default=0.3, help="attack facts whose clean p(answer) exceeds this"
    )
    parser.add_argument(
        "--shortlist", type=int, default=4, help="words per fact and template measured exactly (default: %(default)s)"
    )
    parser.add_argument(
        "--selection-split", default="train", choices=["all", "train", "heldout"],
        help="facts that choose the heads when --heads-from is not given (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument("--templates", nargs="+", default=None, help="attack templates (default: all)")
    parser.add_argument("--spearman-facts", type=int, default=2, help="facts with an exact-search check (default: 2)")
    parser.add_argument("--batch-size", type=int, default=16, help="prompts per batch (default: %(default)s)")
    parser.add_argument("--out", default="runs/attack", help="output directory (default: %(default)s)")
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.errors import RivalryError
    from rivalry.heads.attack import ATTACK_TEMPLATES
    from rivalry.heads.attack_run import AttackConfig, run_attacks
    from rivalry.report.heads import build_attack_report

    if args.heads_from and not Path(args.heads_from).is_dir():
        raise RivalryError(f"directory not found: {args.heads_from}")
    config = AttackConfig(
        model=args.model, split=args.split, limit=args.limit, min_clean_probability=args.min_clean_probability,
        n_heads=args.heads, heads_from=args.heads_from, templates=tuple(args.templates or ATTACK_TEMPLATES),
        spearman_facts=args.spearman_facts, batch_size=args.batch_size, shortlist=args.shortlist,
        selection_split=args.selection_split,
    )  # fmt: skip
    lm = load_model_from_args(args)
    out = Path(args.out)
    results = run_attacks(lm, config, out)
    base, free = results["baseline"], results["best_answer_free"]
    print(f"{results['n_facts_attacked']} facts attacked; heads {', '.join(results['heads'])}")
    for template, search in results["search"]["per_template"].items():
        print(f"search ranks the answer first ({template}): {search['answer_first_share']:.0%}")
    if base:
        print(f"California baseline {base['attack']}: success rate {base['success_rate']:.0%}")
    if free:
        print(f"best answer-free attack {free['attack']}: success rate {free['success_rate']:.0%}")
    print(f"report: {build_attack_report(out)}")
    return 0
