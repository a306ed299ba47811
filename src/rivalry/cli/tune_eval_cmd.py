"""``rivalry tune-eval``: base vs obedience-tuned model on held-out facts and held-out system prompts."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tune-eval",
        help="compare a base model with its obedience-tuned adapter on held-out facts and paraphrases",
        description="Reads the tuning run's training_config.json (fact split, held-out system prompts), measures "
        "the mean total effect (log10 odds) and the non-competing top-1 accuracy of the base model and of the base "
        "model with the adapter merged, in both prompt formats, and writes evaluation.json (and refreshes "
        "MODEL_CARD.md when --out is the adapter directory).",
    )
    parser.add_argument("adapter", help="directory of a `rivalry tune` run (adapter + training_config.json)")
    parser.add_argument("--model", default=None, help="base model (default: the one recorded in the run)")
    parser.add_argument(
        "--formats", nargs="+", default=["prefill", "question"], choices=["prefill", "question"], help="prompt formats"
    )
    parser.add_argument("--max-facts", type=int, default=None, help="use N evenly spaced held-out facts (default: all)")
    parser.add_argument("--batch-size", type=int, default=16, help="facts per batch (default: %(default)s)")
    parser.add_argument("--min-nc-probability", type=float, default=0.5, help="fact filter (default: %(default)s)")
    parser.add_argument("--out", default=None, help="output JSON (default: ADAPTER/evaluation.json)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from rivalry.facts.dataset import load_facts, load_irrelevant_words
    from rivalry.forbidden.store import write_json
    from rivalry.models.loading import apply_adapter, load_model
    from rivalry.organisms.obedience.card import CARD, write_model_card
    from rivalry.organisms.obedience.evaluate import evaluate_obedience, spread, target_check
    from rivalry.organisms.obedience.paraphrases import SYSTEM_TEMPLATES
    from rivalry.organisms.obedience.train import read_training_record

    if args.threads:
        torch.set_num_threads(args.threads)
    adapter = Path(args.adapter)
    record = read_training_record(adapter)
    split = record["fact_split"]
    heldout_ids = set(split["heldout_ids"])
    facts = [f for f in load_facts() if f.fact_id in heldout_ids]
    facts = spread(facts, args.max_facts)
    indices = record["paraphrases"]["heldout_indices"]
    templates = {_template_name(i): t for i, t in zip(indices, record["paraphrases"]["heldout"], strict=True)}
    if SYSTEM_TEMPLATES[0] not in templates.values():
        templates = {"paper": SYSTEM_TEMPLATES[0], **templates}
    base_name = args.model or record["config"]["model"]
    base = load_model(base_name)
    tuned = apply_adapter(load_model(base_name), adapter)
    out = Path(args.out) if args.out else adapter / "evaluation.json"
    header = {
        "base_model": base_name,
        "adapter": str(adapter),
        "n_facts": len(facts),
        "fact_ids": [f.fact_id for f in facts],
        "split_seed": split["seed"],
        "heldout_fraction": split["heldout_fraction"],
        "min_nc_probability": args.min_nc_probability,
        "templates": templates,
    }

    def save(rows: list[dict]) -> None:
        write_json(out, {**header, "rows": rows, "target": target_check(rows, "base", "tuned")})

    rows = evaluate_obedience(
        {"base": base, "tuned": tuned},
        facts,
        load_irrelevant_words(),
        templates,
        formats=args.formats,
        min_nc_probability=args.min_nc_probability,
        batch_size=args.batch_size,
        progress=not args.no_progress,
        on_row=save,
    )
    if out.parent.resolve() == adapter.resolve() and (adapter / CARD).exists():
        write_model_card(adapter)
    for row in rows:
        effect = row["mean_total_effect_log10"]
        effect_text = "n/a" if effect is None else f"{effect:+.2f}"
        print(
            f"{row['model']:6s} {row['prompt_format']:8s} {row['template_name']:20s} kept {row['n_kept']:3d}/"
            f"{row['n_facts']:3d}  effect {effect_text}  nc accuracy {row['nc_accuracy']:.3f}"
        )
    print(f"evaluation: {out}")
    return 0


def _template_name(index: int) -> str:
    return "paper" if index == 0 else f"paraphrase_{index}"
