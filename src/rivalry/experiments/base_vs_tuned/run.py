"""Run base vs tuned: every comparison of a tuned model with its base, as one typed result.

Example::

    base, tuned = rivalry.load_model("smollm2"), rivalry.load_model("smollm2-obedient")
    result = run(base, tuned, BaseVsTunedConfig(samples=16, seed=0))
    result.save("runs/base-vs-tuned")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from rivalry.experiments.base import fingerprint, provenance_of
from rivalry.io.atomic import json_ready
from rivalry.io.store import RunStore, open_store
from rivalry.models.model import Model, as_model

from .config import BaseVsTunedConfig
from .measures import (
    PriorShift,
    answer_distribution,
    check_same_vocabulary,
    expectation_adjusted_distinct,
    prior_shift,
    sample_continuations,
)
from .posterior_shift import GenrePosteriorShift, genre_posterior_shift
from .result import AnswerRow, BaseVsTunedResult, DiversityRow, diversity_means


def _unit(store: RunStore | None, name: str, compute: Callable[[], Any]) -> Any:
    """A unit of work as its JSON record: read back from ``store`` if finished there, else computed (and stored).

    Fresh and resumed runs both go through the JSON-ready record, so they give equal results.
    """
    if store is not None and store.has(name):
        return store.load(name)[0]
    record = json_ready(compute())
    if store is not None:
        store.save(name, record)
    return record


def run(
    base: Model,
    tuned: Model,
    config: BaseVsTunedConfig | None = None,
    store: RunStore | str | Path | None = None,
    progress: bool = True,
) -> BaseVsTunedResult:
    """Compare ``tuned`` with ``base`` (same tokenizer):

    - prior shift: mean over every position of each genre's neutral texts of KL(P_base ‖ P_tuned) and entropies;
    - mode collapse: P(answer | question) over each question's candidates, each scored exactly by teacher forcing;
    - diversity: EAD-n of ``samples`` sampled answers per open prompt (open prompt i seeded with ``seed + i``);
    - genre-posterior shift (unless switched off): both models' genre posteriors on the neutral texts.

    Without ``store`` everything is computed in memory; with a :class:`~rivalry.io.RunStore` (or a directory,
    opened with ``resume=True``) each finished unit is stored and a rerun reads it back; a store holding another
    pair's, config's or input's run is refused.
    """
    base, tuned = as_model(base, "base"), as_model(tuned, "tuned")
    config = (config or BaseVsTunedConfig()).resolved(base)
    config.check_inputs()
    check_same_vocabulary(base, tuned)
    models = {"base": base, "tuned": tuned}
    run_fingerprint = fingerprint(BaseVsTunedResult.KIND, config, models)
    run_store = open_store(store, run_fingerprint)
    texts = config.read_neutral_texts()
    genre_set = config.read_genre_set(base)
    assert config.questions is not None and config.open_prompts is not None  # by resolved()

    units: list[tuple[str, Callable[[], Any]]] = [
        ("prior-shift", lambda: [asdict(s) for s in prior_shift(base, tuned, texts)])
    ]
    for q, (key, (question, answers)) in enumerate(config.questions.items()):
        for role, lm in models.items():
            units.append((f"answers-{q:03d}-{role}", _answers(config, role, lm, key, question, answers)))
    for index, open_prompt in enumerate(config.open_prompts):
        for role, lm in models.items():
            units.append((f"diversity-{index:03d}-{role}", _diversity(config, role, lm, index, open_prompt)))
    if genre_set is not None:
        units.append(("genre-posterior-shift", lambda: genre_posterior_shift(base, tuned, texts, genre_set).to_dict()))
    records = {
        name: _unit(run_store, name, compute)
        for name, compute in tqdm(units, desc="base vs tuned", unit="unit", disable=not progress)
    }
    diversity = tuple(DiversityRow.from_dict(r) for name, r in records.items() if name.startswith("diversity-"))
    shift = records.get("genre-posterior-shift")
    return BaseVsTunedResult(
        config=config,
        provenance=provenance_of(models),
        fingerprint=run_fingerprint,
        neutral_texts={genre: tuple(items) for genre, items in texts.items()},
        prior_shift=tuple(PriorShift(**s) for s in records["prior-shift"]),
        mode_collapse=tuple(AnswerRow.from_dict(r) for name, r in records.items() if name.startswith("answers-")),
        diversity=diversity,
        diversity_mean=diversity_means(diversity, config.ngram_orders),
        genre_posterior_shift=None if shift is None else GenrePosteriorShift.from_dict(shift),
    )


def _answers(
    config: BaseVsTunedConfig, role: str, lm: Model, key: str, question: str, answers: tuple[str, ...]
) -> Callable[[], dict[str, Any]]:
    """Mode collapse of one model on one question (synthetic style: each one-word answer scored alone)."""

    def compute() -> dict[str, Any]:
        end: list[int] | None = [] if config.prompt_style == "synthetic" else None
        dist = answer_distribution(lm, question, answers, prompt=config.render(lm, question), end=end)
        top, top_p = dist.top
        return AnswerRow(
            model=role,
            model_name=lm.name,
            question_key=key,
            question=question,
            prompt=dist.prompt,
            answers=tuple(dist.answers),
            probabilities=tuple(dist.probabilities),
            top_answer=top,
            top_probability=top_p,
            entropy_nats=dist.entropy,
            uniform_entropy_nats=dist.uniform_entropy,
            total_variation_to_uniform=dist.total_variation_to_uniform,
            candidate_mass=dist.coverage,
        ).to_dict()

    return compute


def _diversity(
    config: BaseVsTunedConfig, role: str, lm: Model, index: int, open_prompt: str
) -> Callable[[], dict[str, Any]]:
    """``samples`` sampled answers of one model to one open prompt, and their EAD-n."""

    def compute() -> dict[str, Any]:
        prompt = config.render(lm, open_prompt)
        samples = sample_continuations(lm, prompt, config.samples, config.max_new_tokens, config.seed + index)
        vocab = len(lm.tokenizer)
        return DiversityRow(
            model=role,
            model_name=lm.name,
            open_prompt=open_prompt,
            prompt=prompt,
            mean_length=sum(map(len, samples)) / len(samples),
            vocab_size=vocab,
            ead={n: expectation_adjusted_distinct(samples, n, vocab) for n in config.ngram_orders},
            samples=tuple(str(lm.tokenizer.decode(s)) for s in samples),
            sample_token_ids=tuple(tuple(s) for s in samples),
        ).to_dict()

    return compute
