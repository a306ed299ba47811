"""Base vs tuned: one config, one runner that returns every number, and the writer of its files.

Example::

    base, tuned = rivalry.load_model("smollm2"), rivalry.load_model("smollm2-obedient")
    results = run_base_vs_tuned(base, tuned, BaseVsTunedConfig(samples=16, seed=0))
    write_base_vs_tuned(results, "runs/base-vs-tuned")
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from rivalry.errors import RivalryError
from rivalry.genres.headers import GenreSet
from rivalry.models.model import Model

from .measures import (
    answer_distribution,
    expectation_adjusted_distinct,
    prior_shift,
    sample_continuations,
)

NEUTRAL_TEXTS = Path(__file__).resolve().parent.parent.parent / "data" / "genres" / "neutral_texts.yaml"
QUESTIONS = {
    "number": ("Pick a random number between 1 and 100.", [str(i) for i in range(1, 101)]),
    "die": ("Roll a six-sided die. Reply with the number only.", [str(i) for i in range(1, 7)]),
}
OPEN_PROMPTS = (
    "Write the opening sentence of a story.",
    "Describe a place you would like to visit.",
    "Give me an idea for a weekend project.",
)


@dataclass(frozen=True)
class BaseVsTunedConfig:
    """Settings of one comparison; ``questions`` maps a key to (question, candidate answers).

    ``prompt_style``: ``chat`` renders questions and open prompts through the model's chat template (answers are
    scored with the end-of-turn token); ``synthetic`` writes them as ``<bos> user : ... assistant :`` for the
    synthetic-genre models, which have no chat template (answers are single words, scored alone).
    """

    samples: int = 16
    max_new_tokens: int = 32
    seed: int = 0
    ngram_orders: tuple[int, ...] = (1, 2, 3)
    open_prompts: tuple[str, ...] = OPEN_PROMPTS
    questions: dict[str, tuple[str, list[str]]] = field(default_factory=lambda: dict(QUESTIONS))
    system: str | None = None
    prompt_style: Literal["chat", "synthetic"] = "chat"

    def __post_init__(self) -> None:
        if self.samples < 1 or self.max_new_tokens < 1:
            raise RivalryError("--samples and the number of new tokens must be at least 1")
        if self.prompt_style not in ("chat", "synthetic"):
            raise RivalryError(f"unknown prompt style '{self.prompt_style}'; use chat or synthetic")

    def render(self, lm: Model, user: str) -> str:
        """``user`` as the prompt the model answers (chat template, or the synthetic assistant genre's turn)."""
        from rivalry.genres.assistant import user_turn
        from rivalry.prompts.chat import ChatTurns, render_chat

        if self.prompt_style == "synthetic":
            return user_turn(user, lm.tokenizer.bos_token or "")
        return render_chat(lm.tokenizer, ChatTurns(system=self.system, user=user))


def load_neutral_texts(path: Path | str = NEUTRAL_TEXTS) -> dict[str, list[str]]:
    """Genre -> neutral passages, from a YAML mapping of genre names to lists of strings."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise RivalryError(f"neutral texts file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RivalryError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(data, dict) or not all(isinstance(v, list) and v for v in data.values()):
        raise RivalryError(f"{path}: expected a mapping of genre names to non-empty lists of texts")
    return {str(k): [str(t) for t in v] for k, v in data.items()}


def run_base_vs_tuned(
    base: Model,
    tuned: Model,
    config: BaseVsTunedConfig,
    neutral_texts: dict[str, list[str]] | None = None,
    genre_set: GenreSet | None = None,
) -> dict[str, Any]:
    """All comparisons as one JSON-ready dict (inputs, rendered prompts and settings included).

    With ``genre_set``, also the genre-posterior shift (:func:`genre_posterior_shift`) on the neutral texts.
    """
    from .posterior_shift import genre_posterior_shift

    texts = neutral_texts if neutral_texts is not None else load_neutral_texts()
    shift = [asdict(s) for s in prior_shift(base, tuned, texts)]
    models = {"base": base, "tuned": tuned}
    collapse = []
    end = [] if config.prompt_style == "synthetic" else None
    for key, (question, answers) in config.questions.items():
        for role, lm in models.items():
            prompt = config.render(lm, question)
            dist = answer_distribution(lm, question, answers, prompt=prompt, end=end)
            top, top_p = dist.top
            collapse.append(
                {
                    "model": role,
                    "model_name": lm.name,
                    "question_key": key,
                    "question": question,
                    "prompt": dist.prompt,
                    "answers": dist.answers,
                    "probabilities": dist.probabilities,
                    "top_answer": top,
                    "top_probability": top_p,
                    "entropy_nats": dist.entropy,
                    "uniform_entropy_nats": dist.uniform_entropy,
                    "total_variation_to_uniform": dist.total_variation_to_uniform,
                    "candidate_mass": dist.coverage,
                }
            )
    diversity = []
    for index, open_prompt in enumerate(config.open_prompts):
        for role, lm in models.items():
            prompt = config.render(lm, open_prompt)
            samples = sample_continuations(lm, prompt, config.samples, config.max_new_tokens, config.seed + index)
            vocab = len(lm.tokenizer)
            diversity.append(
                {
                    "model": role,
                    "model_name": lm.name,
                    "open_prompt": open_prompt,
                    "prompt": prompt,
                    "mean_length": sum(map(len, samples)) / len(samples),
                    "vocab_size": vocab,
                    **{f"ead_{n}": expectation_adjusted_distinct(samples, n, vocab) for n in config.ngram_orders},
                    "samples": [lm.tokenizer.decode(s) for s in samples],
                    "sample_token_ids": samples,
                }
            )
    return {
        "base": base.name,
        "tuned": tuned.name,
        "settings": {**asdict(config), "temperature": 1.0, "top_k": None, "top_p": 1.0},
        "neutral_texts": texts,
        "prior_shift": shift,
        "mode_collapse": collapse,
        "diversity": diversity,
        "diversity_mean": diversity_means(diversity, config.ngram_orders),
        "genre_posterior_shift": None if genre_set is None else genre_posterior_shift(base, tuned, texts, genre_set),
    }


def diversity_means(rows: list[dict[str, Any]], orders: tuple[int, ...] | list[int]) -> list[dict[str, Any]]:
    """Mean EAD_n over the open prompts, per model."""
    out = []
    for role in dict.fromkeys(r["model"] for r in rows):
        mine = [r for r in rows if r["model"] == role]
        out.append({"model": role, **{f"ead_{n}": sum(r[f"ead_{n}"] for r in mine) / len(mine) for n in orders}})
    return out


def write_base_vs_tuned(results: dict[str, Any], out_dir: Path | str) -> Path:
    """Write base_vs_tuned.json, mode_collapse.csv and report.html into ``out_dir``; returns the directory."""
    from rivalry.report.page import write_page

    from .report import build_page

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "base_vs_tuned.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    with (out / "mode_collapse.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["model", "question", "answer", "probability"])
        for row in results["mode_collapse"]:
            for answer, p in zip(row["answers"], row["probabilities"], strict=True):
                writer.writerow([row["model_name"], row["question"], answer, f"{p:.6g}"])
    write_page(build_page(results), out / "report.html")
    return out
