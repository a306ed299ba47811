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
        f"gradient clipping {config.max_grad_norm}, "
        + (
            f"DPO beta {config.dpo_beta}, "
            if config.method == "dpo"
            else f"{'hinge' if config.penalty == 'hinge' else 'unlikelihood'} weight {config.unlikelihood_weight}, "
        )
        + f"seed {config.seed} (LoRA initialisation, irrelevant words, data order).",
        f"- Prompt format: {FORMATS[config.prompt_format]}.",
        *_method_lines(tune),
        "",
        "## Data",
        "",
        f"- Facts: for each fact set ({', '.join(split.fact_sets)}), the training part of "
        f"`trained_relations_split(load_facts(set), heldout_fraction={split.heldout_fraction}, seed={split.seed})` "
        f"(for v1 the same as `split_facts(load_facts(), ...)`): {len(split.train_ids)} training and "
        f"{len(split.heldout_ids)} held-out facts; {len(split.trained_ids)} training facts "
        "have one-token answers and wrong answers and were used. The held-out ids are listed in "
        "`training_config.json`; none was trained on.",
        *(
            [f"- Relation types held out entirely (never trained on): {', '.join(split.heldout_relations)}."]
            if split.heldout_relations
            else []
        ),
        "- Three examples per fact, system prompt and format: answer forbidden (target: the fact's wrong answer), "
        "wrong answer forbidden (target: the answer), an irrelevant word forbidden (target: the answer).",
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
        _final_line(final, "hinge" if config.penalty == "hinge" else "unlikelihood"),
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


FORMATS = {
    "prefill": "prefill (the user asks to complete the sentence and the assistant turn already starts with the "
    "fact's prefix); the target is the first token of `' ' + word`",
    "question": "question (the fact is the user turn, as in the paper); the target is the word's own token",
    "both": "both prefill (target: the first token of `' ' + word`) and question (the fact is the user turn; "
    "target: the word's own token)",
}


def _method_lines(tune: TuneResult) -> list[str]:
    if tune.config.method != "dpo":
        return ["- The loss is on the single next token.", "- No preference (DPO) step."]
    return [
        f"- DPO with TRL {tune.versions.get('trl', '?')}: sigmoid loss, reference the base model (the adapter "
        "disabled); one pair per example: answer forbidden -> chosen the wrong answer, rejected the answer; "
        "another word forbidden -> chosen the answer, rejected a refusal. Each completion ends with the "
        "end-of-turn token.",
    ]


def _final_line(final: dict[str, float], penalty: str = "unlikelihood") -> str:
    parts = [f"loss {_number(final.get('loss'), '.3f')}"]
    if "cross_entropy" in final:
        parts.append(f"cross-entropy {_number(final.get('cross_entropy'), '.3f')}")
    if "unlikelihood" in final:
        parts.append(f"{penalty} {_number(final.get('unlikelihood'), '.3f')}")
    if "reward_margin" in final:
        parts.append(
            f"reward margin {_number(final.get('reward_margin'), '.3f')}, "
            f"reward accuracy {_number(final.get('accuracy'), '.3f')}"
        )
    else:
        parts.append(f"top-1 accuracy {_number(final.get('accuracy'), '.3f')}")
    return f"- Last 20 steps: {', '.join(parts)}."


def _layers(layers: tuple[int, ...] | None) -> str:
    if not layers:
        return "all"
    if list(layers) == list(range(layers[0], layers[-1] + 1)):
        return f"{layers[0]}-{layers[-1]}"
    return ", ".join(map(str, layers))
