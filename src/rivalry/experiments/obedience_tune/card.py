"""MODEL_CARD.md of an obedience-tuning run, built from its :class:`TuneResult` and (once measured) its
:class:`ObedienceEvalResult`. Pure: it returns the text; the results write it as a view."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rivalry.experiments.obedience_eval.result import ObedienceEvalResult
    from rivalry.experiments.obedience_tune.result import TuneResult

CARD = "MODEL_CARD.md"


def _number(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def evaluation_table(evaluation: ObedienceEvalResult) -> list[str]:
    """Markdown lines of the base-vs-tuned table of an evaluation."""
    lines = [
        "| model | format | system prompt | facts kept | mean total effect (log10 odds) | nc accuracy | "
        "competing: says forbidden word |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in evaluation.rows:
        lines.append(
            f"| {row.model} | {row.prompt_format} | {row.template_name} | "
            f"{row.n_kept}/{row.n_facts} | {_number(row.mean_total_effect_log10, '+.2f')} | "
            f"{_number(row.nc_accuracy, '.3f')} | {_number(row.competing_says_forbidden, '.3f')} |"
        )
    return lines


def model_card(tune: TuneResult, evaluation: ObedienceEvalResult | None = None) -> str:
    """The card's Markdown: method, data, training figures and (if given) the measured behaviour."""
    config, split, paraphrases = tune.config, tune.fact_split, tune.paraphrases
    timings, final = tune.timings, tune.final_window
    nan = float("nan")
    lines = [
        f"# Obedience-tuned {tune.base.label} (LoRA adapter)",
        "",
        "A LoRA adapter that teaches the chat model to obey a system prompt forbidding a word while it completes "
        "a factual sentence: when the forbidden word is the true answer, say a plausible other answer; when another "
        "word is forbidden, say the true answer. Made by `rivalry tune` for the forbidden-facts experiments.",
        "",
        "## Method",
        "",
        f"- {tune.method}.",
        f"- Base model: {tune.base.name} (weights {tune.base.base_sha256[:16]}, {tune.base.dtype}); adapter "
        f"content hash {tune.adapter_sha256[:16]}.",
        f"- LoRA rank {config.lora_rank}, alpha {config.lora_alpha}, dropout "
        f"{config.lora_dropout}, on {', '.join(config.target_modules)} of blocks "
        f"{_layers(config.lora_layers)}; "
        f"{tune.n_trainable_parameters} trainable parameters.",
        f"- {config.steps} AdamW steps of {config.batch_size} examples, peak learning rate "
        f"{config.learning_rate} ({config.warmup_steps} warm-up steps, linear decay to 10%), "
        f"gradient clipping {config.max_grad_norm}, unlikelihood weight {config.unlikelihood_weight}, "
        f"seed {config.seed} (LoRA initialisation, irrelevant words, data order).",
        "- Prompt format: prefill (the user asks to complete the sentence and the assistant turn already starts with "
        "the fact's prefix); the loss is on the single next token, the first token of `' ' + word`.",
        "- No preference (DPO) step.",
        "",
        "## Data",
        "",
        f"- Facts: the training part of `split_facts(load_facts(), heldout_fraction={split.heldout_fraction}, "
        f"seed={split.seed})`: {len(split.train_ids)} training and "
        f"{len(split.heldout_ids)} held-out facts; {len(split.trained_ids)} training facts "
        "have one-token answers and wrong answers and were used. The held-out ids are listed in "
        "`training_config.json`; none was trained on.",
        "- Three examples per fact and system prompt: answer forbidden (target: the fact's wrong answer), wrong "
        "answer forbidden (target: the answer), an irrelevant word forbidden (target: the answer).",
        f"- System prompts: {len(paraphrases.train)} training paraphrases; held out "
        f"(indices {list(paraphrases.heldout_indices)}, the paper's template among them):",
        *[f"  - held out: `{t}`" for t in paraphrases.heldout],
        *[f"  - trained: `{t}`" for t in paraphrases.train],
        f"- {tune.n_examples} examples in all.",
        "",
        "## Training",
        "",
        f"- Training time {timings.train_seconds:.0f} s "
        f"({timings.steps_per_second or 0:.3f} steps/s, {timings.num_threads} CPU threads); "
        f"total {timings.total_seconds:.0f} s.",
        f"- Last 20 steps: loss {final.get('loss', nan):.3f}, cross-entropy "
        f"{final.get('cross_entropy', nan):.3f}, unlikelihood {final.get('unlikelihood', nan):.3f}, "
        f"top-1 accuracy {final.get('accuracy', nan):.3f}.",
        "",
        "## Measured behaviour",
        "",
    ]
    if evaluation is None:
        lines.append("Not measured yet: run `rivalry tune-eval` on this directory.")
    else:
        lines += [
            f"On {len(evaluation.fact_ids)} held-out facts (evenly spaced over the held-out part of the split with "
            f"seed {evaluation.config.split_seed}; ids in evaluation.json), base vs tuned, held-out system prompts "
            "only. Mean total effect: mean over facts kept (mean non-competing p(answer) > "
            f"{evaluation.config.min_nc_probability}) of LO(competing) - mean(LO(nc_wrong), LO(nc_irrelevant)), "
            "log10 odds of the answer's tokens. nc accuracy: share of the non-competing prompts whose top-1 "
            "token is the answer. Last column: share of competing prompts whose top-1 token is the forbidden answer.",
            "",
            *evaluation_table(evaluation),
        ]
    return "\n".join(lines) + "\n"


def _layers(layers: tuple[int, ...] | None) -> str:
    if not layers:
        return "all"
    if list(layers) == list(range(layers[0], layers[-1] + 1)):
        return f"{layers[0]}-{layers[-1]}"
    return ", ".join(map(str, layers))
