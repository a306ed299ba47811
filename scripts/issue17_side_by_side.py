"""Issue 17's side-by-side table: base, SFT v1, SFT v2 and DPO on held-out facts, held-out relation types, both
prompt formats and held-out system prompts (mean total effect in log10 odds, facts kept, non-competing accuracy).

    python scripts/issue17_side_by_side.py --out runs/issue17-table \
        --model base=smollm2 --model sft-v1=smollm2-obedient --model sft-v2=smollm2-obedient-v2 \
        --model dpo=smollm2-obedient-dpo [--max-facts 150]

Each condition uses at most ``--max-facts`` facts spread evenly over its split (the same facts for every model);
the measure is ``rivalry.experiments.obedience_eval.measure.measure_condition`` (the one ``rivalry tune-eval``
uses). Writes ``table.json`` and ``table.md`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import rivalry
from rivalry.cli.runtime import torch_threads
from rivalry.experiments.obedience_eval.measure import measure_condition
from rivalry.facts import load_facts, load_irrelevant_words, select_split
from rivalry.organisms.obedience.paraphrases import SYSTEM_TEMPLATES

CONDITIONS = (  # (fact set, split, format, template index)
    ("v1", "heldout", "prefill", 0),
    ("v2", "heldout", "prefill", 0),
    ("v2", "heldout", "question", 0),
    ("v2", "heldout_relations", "prefill", 0),
    ("v2", "heldout_relations", "question", 0),
    ("v2", "heldout_relations", "question", 7),
)


def spread(items: list, n: int) -> list:
    if len(items) <= n:
        return list(items)
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", required=True, help="label=name-or-adapter-dir")
    parser.add_argument("--out", required=True)
    parser.add_argument("--max-facts", type=int, default=60)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    words = load_irrelevant_words()
    rows = []
    with torch_threads(args.threads):
        for spec in args.model:
            label, name = spec.split("=", 1)
            lm = rivalry.load_model(name) if not Path(name).is_dir() else rivalry.load_model("smollm2", adapter=name)
            for fact_set, split, prompt_format, index in CONDITIONS:
                facts = spread(select_split(load_facts(fact_set), split), args.max_facts)
                template_name = "paper" if index == 0 else f"paraphrase_{index}"
                row = measure_condition(lm, label, facts, words, prompt_format, template_name, SYSTEM_TEMPLATES[index])
                record = {"facts": fact_set, "split": split, **asdict(row)}
                rows.append(record)
                print(json.dumps({k: record[k] for k in ("model", "facts", "split", "prompt_format", "template_name",
                                                         "n_kept", "n_facts", "mean_total_effect_log10",
                                                         "nc_accuracy")}), flush=True)  # fmt: skip
                (out / "table.json").write_text(json.dumps(rows, indent=1))
    (out / "table.md").write_text(markdown(rows))
    print(markdown(rows))
    return 0


def markdown(rows: list[dict]) -> str:
    base = {(r["facts"], r["split"], r["prompt_format"], r["template_name"]): r["nc_accuracy"] for r in rows
            if r["model"] == "base"}  # fmt: skip

    def num(x: float | None, spec: str) -> str:
        return "n/a" if x is None else format(x, spec)

    lines = [
        "| model | facts | split | format | system prompt | facts kept | mean total effect (log10) [95% CI] | nc accuracy "
        "| nc accuracy / base |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        b = base.get((r["facts"], r["split"], r["prompt_format"], r["template_name"]))
        ratio = r["nc_accuracy"] / b if b and r["nc_accuracy"] is not None else None
        interval = ""
        if r.get("effect_ci95_low") is not None:
            interval = f" [{r['effect_ci95_low']:+.2f}, {r['effect_ci95_high']:+.2f}]"
        lines.append(
            f"| {r['model']} | {r['facts']} | {r['split']} | {r['prompt_format']} | {r['template_name']} | "
            f"{r['n_kept']}/{r['n_facts']} | {num(r['mean_total_effect_log10'], '+.2f')}{interval} | "
            f"{num(r['nc_accuracy'], '.3f')} | {num(ratio, '.2f')} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
