"""``BaseVsTunedResult``: what tuning did to a model against its base, typed; the files that are views of it.

Saved as ``base_vs_tuned.json`` (every key of the layout before the experiment layer: ``base``, ``tuned``,
``settings``, ``neutral_texts``, ``prior_shift``, ``mode_collapse``, ``diversity``, ``diversity_mean``,
``genre_posterior_shift``; plus ``kind``, ``schema_version``, ``config``, ``provenance`` and ``fingerprint``).
``mode_collapse.csv``, ``prior_shift.csv`` and ``diversity.csv`` are views, never read back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from rivalry.errors import RivalryError
from rivalry.experiments.base import Result, register_result
from rivalry.io.atomic import csv_bytes, write_atomically
from rivalry.models.model import Provenance

from .config import BaseVsTunedConfig
from .measures import PriorShift
from .posterior_shift import GenrePosteriorShift

SAMPLING = {"temperature": 1.0, "top_k": None, "top_p": 1.0}  # how diversity samples are drawn (recorded)
Table = Literal["mode_collapse", "prior_shift", "diversity", "genre_posterior_shift"]


@dataclass(frozen=True)
class AnswerRow:
    """Mode collapse: one model's distribution over a question's candidate answers (renormalised over them)."""

    model: str  # the role: base or tuned
    model_name: str
    question_key: str
    question: str
    prompt: str  # as fed to the tokenizer
    answers: tuple[str, ...]
    probabilities: tuple[float, ...]
    top_answer: str
    top_probability: float
    entropy_nats: float
    uniform_entropy_nats: float
    total_variation_to_uniform: float
    candidate_mass: float  # the candidates' total probability before renormalising

    def probability_of(self, answer: str) -> float:
        return self.probabilities[self.answers.index(answer)]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "answers": list(self.answers), "probabilities": list(self.probabilities)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnswerRow:
        values = {key: data[key] for key in cls.__dataclass_fields__}
        return cls(**{**values, "answers": tuple(data["answers"]), "probabilities": tuple(data["probabilities"])})


@dataclass(frozen=True)
class DiversityRow:
    """Diversity: one model's samples for one open prompt and their EAD-n (``ead[n]``)."""

    model: str
    model_name: str
    open_prompt: str
    prompt: str
    mean_length: float  # tokens per sample
    vocab_size: int
    ead: Mapping[int, float]
    samples: tuple[str, ...]
    sample_token_ids: tuple[tuple[int, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        head = {
            k: getattr(self, k) for k in ("model", "model_name", "open_prompt", "prompt", "mean_length", "vocab_size")
        }
        return {
            **head,
            **{f"ead_{n}": value for n, value in self.ead.items()},
            "samples": list(self.samples),
            "sample_token_ids": [list(s) for s in self.sample_token_ids],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DiversityRow:
        return cls(
            model=data["model"],
            model_name=data["model_name"],
            open_prompt=data["open_prompt"],
            prompt=data["prompt"],
            mean_length=data["mean_length"],
            vocab_size=data["vocab_size"],
            ead=_ead(data),
            samples=tuple(data["samples"]),
            sample_token_ids=tuple(tuple(s) for s in data["sample_token_ids"]),
        )


@dataclass(frozen=True)
class DiversityMean:
    """Mean EAD-n over the open prompts, for one model."""

    model: str
    ead: Mapping[int, float]

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, **{f"ead_{n}": value for n, value in self.ead.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DiversityMean:
        return cls(model=data["model"], ead=_ead(data))


def _ead(data: Mapping[str, Any]) -> dict[int, float]:
    return {int(key[4:]): value for key, value in data.items() if key.startswith("ead_")}


def diversity_means(rows: tuple[DiversityRow, ...], orders: tuple[int, ...]) -> tuple[DiversityMean, ...]:
    """Mean EAD_n over the open prompts, per model (in the order the models first appear)."""
    out = []
    for role in dict.fromkeys(r.model for r in rows):
        mine = [r for r in rows if r.model == role]
        out.append(DiversityMean(role, {n: sum(r.ead[n] for r in mine) / len(mine) for n in orders}))
    return tuple(out)


@register_result
@dataclass(frozen=True, eq=False)
class BaseVsTunedResult(Result):
    """A tuned model against its base: prior shift, mode collapse, diversity and the genre-posterior shift.

    ``config`` is the resolved config (prompt style, questions and open prompts explicit); ``provenance`` has
    ``base`` and ``tuned``; ``neutral_texts`` are the texts the prior shift read; ``genre_posterior_shift`` is
    None when it was switched off.
    """

    KIND = "base_vs_tuned"
    MAIN_FILE = "base_vs_tuned.json"
    SCHEMA_VERSION = 2  # 1: the untyped layout before the experiment layer (no kind, config or provenance)
    CONFIG = BaseVsTunedConfig

    config: BaseVsTunedConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    neutral_texts: Mapping[str, tuple[str, ...]]
    prior_shift: tuple[PriorShift, ...]
    mode_collapse: tuple[AnswerRow, ...]
    diversity: tuple[DiversityRow, ...]
    diversity_mean: tuple[DiversityMean, ...]
    genre_posterior_shift: GenrePosteriorShift | None = None

    @property
    def base(self) -> str:
        return self.provenance["base"].name

    @property
    def tuned(self) -> str:
        return self.provenance["tuned"].name

    @property
    def settings(self) -> dict[str, Any]:
        """The config and how samples were drawn (the record's ``settings``)."""
        return {**self.config.to_dict(), **SAMPLING}

    def answers(self, question_key: str) -> dict[str, AnswerRow]:
        """The mode-collapse rows of one question, by role."""
        return {r.model: r for r in self.mode_collapse if r.question_key == question_key}

    def record(self) -> dict[str, Any]:
        shift = self.genre_posterior_shift
        return {
            "base": self.base,
            "tuned": self.tuned,
            "settings": self.settings,
            "neutral_texts": {genre: list(texts) for genre, texts in self.neutral_texts.items()},
            "prior_shift": [asdict(s) for s in self.prior_shift],
            "mode_collapse": [r.to_dict() for r in self.mode_collapse],
            "diversity": [r.to_dict() for r in self.diversity],
            "diversity_mean": [m.to_dict() for m in self.diversity_mean],
            "genre_posterior_shift": None if shift is None else shift.to_dict(),
        }

    @classmethod
    def from_record(cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, Any]) -> BaseVsTunedResult:
        shift = record["genre_posterior_shift"]
        return cls(
            **meta,
            neutral_texts={genre: tuple(texts) for genre, texts in record["neutral_texts"].items()},
            prior_shift=tuple(PriorShift(**s) for s in record["prior_shift"]),
            mode_collapse=tuple(AnswerRow.from_dict(r) for r in record["mode_collapse"]),
            diversity=tuple(DiversityRow.from_dict(r) for r in record["diversity"]),
            diversity_mean=tuple(DiversityMean.from_dict(m) for m in record["diversity_mean"]),
            genre_posterior_shift=None if shift is None else GenrePosteriorShift.from_dict(shift),
        )

    # --- views --------------------------------------------------------------------------------------------------
    def answer_rows(self) -> list[dict[str, Any]]:
        """One row per model, question and candidate answer (the ``mode_collapse.csv`` view)."""
        return [
            {"model": r.model, "model_name": r.model_name, "question_key": r.question_key, "question": r.question,
             "answer": answer, "probability": p}
            for r in self.mode_collapse
            for answer, p in zip(r.answers, r.probabilities, strict=True)
        ]  # fmt: skip

    def diversity_rows(self) -> list[dict[str, Any]]:
        orders = self.config.ngram_orders
        return [
            {"model": r.model, "model_name": r.model_name, "open_prompt": r.open_prompt, "mean_length": r.mean_length,
             **{f"ead_{n}": r.ead[n] for n in orders}}
            for r in self.diversity
        ]  # fmt: skip

    def posterior_shift_rows(self) -> list[dict[str, Any]]:
        if self.genre_posterior_shift is None:
            return []
        return [
            {"text_genre": r.text_genre, "model": r.model, "model_name": r.model_name, "prior": r.prior,
             "n_texts": r.n_texts, **{f"posterior_{g}": p for g, p in r.posterior.items()},
             **{f"posterior_early_{g}": p for g, p in r.posterior_early.items()}}
            for r in self.genre_posterior_shift.rows
        ]  # fmt: skip

    def write_views(self, directory: Path) -> None:
        """``mode_collapse.csv`` (as before: model name, question, answer, probability), ``prior_shift.csv`` and
        ``diversity.csv``."""
        answers = [
            {"model": r["model_name"], "question": r["question"], "answer": r["answer"],
             "probability": f"{r['probability']:.6g}"}
            for r in self.answer_rows()
        ]  # fmt: skip
        write_atomically(
            directory / "mode_collapse.csv", csv_bytes(["model", "question", "answer", "probability"], answers)
        )
        shift = [asdict(s) for s in self.prior_shift]
        write_atomically(directory / "prior_shift.csv", csv_bytes(list(PriorShift.__dataclass_fields__), shift))
        rows = self.diversity_rows()
        columns = ["model", "model_name", "open_prompt", "mean_length", *(f"ead_{n}" for n in self.config.ngram_orders)]
        write_atomically(directory / "diversity.csv", csv_bytes(columns, rows))

    def to_pandas(self, table: Table = "mode_collapse") -> Any:
        """A table as a ``pandas.DataFrame``: ``mode_collapse`` (one row per model, question and answer),
        ``prior_shift``, ``diversity`` or ``genre_posterior_shift``."""
        import pandas as pd

        tables = {
            "mode_collapse": self.answer_rows,
            "prior_shift": lambda: [asdict(s) for s in self.prior_shift],
            "diversity": self.diversity_rows,
            "genre_posterior_shift": self.posterior_shift_rows,
        }
        if table not in tables:
            raise RivalryError(f"unknown table '{table}'; choose {', '.join(tables)}")
        return pd.DataFrame(tables[table]())
