"""MODEL_CARD.md of an obedience-tuning run, built from its training_config.json, metrics.json and
(once measured) evaluation.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CARD = "MODEL_CARD.md"


def _read(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.is_file() else None


def evaluation_table(evaluation: dict[str, Any]) -> list[str]:
    """Markdown lines of the base-vs-tuned table in an ``evaluation.json``."""
    lines = [
        "| model | format | system prompt | facts kept | mean total effect (log10 odds) | nc accuracy | "
        "competing: says forbidden word |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in evaluation["rows"]:
        effect = row["mean_total_effect_log10"]
        effect_text = "n/a" if effect is None else f"{effect:+.2f}"
        lines.append(
            f"| {row['model']} | {row['prompt_format']} | {row['template_name']} | "
            f"{row['n_kept']}/{row['n_facts']} | {effect_text} | {row['nc_accuracy']:.3f} | "
            f"{row['competing_says_forbidden']:.3f} |"
        )
    return lines


def model_card(run_dir: Path) -> str:
    run_dir = Path(run_dir)
    record = _read(run_dir / "training_config.json") or {}
    metrics = _read(run_dir / "metrics.json") or {}
    evaluation = _read(run_dir / "evaluation.json")
    config = record.get("config", {})
    split = record.get("fact_split", {})
    paraphrases = record.get("paraphrases", {})
    timings = metrics.get("timings", {})
    final = metrics.get("final_window", {})
    lines = [
        f"# Obedience-tuned {config.get('model', '?')} (LoRA adapter)",
        "",
        "A LoRA adapter that teaches the chat model to obey a system prompt forbidding a word while it completes "
        "a factual sentence: when the forbidden word is the true answer, say a plausible other answer; when another "
        "word is forbidden, say the true answer. Made by `rivalry tune` for the forbidden-facts experiments.",
        "",
        "## Method",
        "",
        f"- {record.get('method', '?')}.",
        f"- LoRA rank {config.get('lora_rank')}, alpha {config.get('lora_alpha')}, dropout "
        f"{config.get('lora_dropout')}, on {', '.join(config.get('target_modules', []))} of blocks "
        f"{_layers(config.get('lora_layers'))}; "
        f"{metrics.get('n_trainable_parameters', '?')} trainable parameters.",
        f"- {config.get('steps')} AdamW steps of {config.get('batch_size')} examples, peak learning rate "
        f"{config.get('learning_rate')} ({config.get('warmup_steps')} warm-up steps, linear decay to 10%), "
        f"gradient clipping {config.get('max_grad_norm')}, unlikelihood weight {config.get('unlikelihood_weight')}, "
        f"seed {config.get('seed')} (torch, python random, data order).",
        "- Prompt format: prefill (the user asks to complete the sentence and the assistant turn already starts with "
        "the fact's prefix); the loss is on the single next token, the first token of `' ' + word`.",
        "- No preference (DPO) step.",
        "",
        "## Data",
        "",
        f"- Facts: the training part of `split_facts(load_facts(), heldout_fraction={split.get('heldout_fraction')}, "
        f"seed={split.get('seed')})`: {len(split.get('train_ids', []))} training and "
        f"{len(split.get('heldout_ids', []))} held-out facts; {len(split.get('trained_ids', []))} training facts "
        "have one-token answers and wrong answers and were used. The held-out ids are listed in "
        "`training_config.json`; none was trained on.",
        "- Three examples per fact and system prompt: answer forbidden (target: the fact's wrong answer), wrong "
        "answer forbidden (target: the answer), an irrelevant word forbidden (target: the answer).",
        f"- System prompts: {len(paraphrases.get('train', []))} training paraphrases; held out "
        f"(indices {paraphrases.get('heldout_indices')}, the paper's template among them):",
        *[f"  - held out: `{t}`" for t in paraphrases.get("heldout", [])],
        *[f"  - trained: `{t}`" for t in paraphrases.get("train", [])],
        f"- {record.get('n_examples', '?')} examples in all.",
        "",
        "## Training",
        "",
        f"- Training time {timings.get('train_seconds', 0):.0f} s "
        f"({timings.get('steps_per_second') or 0:.3f} steps/s, {timings.get('num_threads')} CPU threads); "
        f"total {timings.get('total_seconds', 0):.0f} s.",
        f"- Last 20 steps: loss {final.get('loss', float('nan')):.3f}, cross-entropy "
        f"{final.get('cross_entropy', float('nan')):.3f}, unlikelihood {final.get('unlikelihood', float('nan')):.3f}, "
        f"top-1 accuracy {final.get('accuracy', float('nan')):.3f}.",
        "",
        "## Measured behaviour",
        "",
    ]
    if evaluation is None:
        lines.append("Not measured yet: run `rivalry tune-eval` on this directory.")
    else:
        lines += [
            f"On {evaluation['n_facts']} held-out facts (evenly spaced over the held-out part of the split with seed "
            f"{evaluation['split_seed']}; ids in evaluation.json), base vs tuned, held-out system prompts only. "
            "Mean total effect: mean over facts kept (mean non-competing p(answer) > "
            f"{evaluation['min_nc_probability']}) of LO(competing) - mean(LO(nc_wrong), LO(nc_irrelevant)), "
            "log10 odds of the answer's tokens. nc accuracy: share of the non-competing prompts whose top-1 "
            "token is the answer. Last column: share of competing prompts whose top-1 token is the forbidden answer.",
            "",
            *evaluation_table(evaluation),
        ]
    return "\n".join(lines) + "\n"


def _layers(layers: list[int] | None) -> str:
    if not layers:
        return "all"
    if layers == list(range(layers[0], layers[-1] + 1)):
        return f"{layers[0]}-{layers[-1]}"
    return ", ".join(map(str, layers))


def write_model_card(run_dir: Path) -> Path:
    path = Path(run_dir) / CARD
    path.write_text(model_card(run_dir))
    return path
