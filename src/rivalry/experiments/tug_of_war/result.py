"""``TugOfWarResult``: refusal against the framing's genre, per model, request and framing; and its views.

Saved as ``tug_of_war.json`` (every key of the layout before the experiment layer: ``request_set``,
``description``, ``models``, ``genre_set``, ``rows``, ``summary``; plus ``kind``, ``schema_version``, ``config``,
``provenance`` and ``fingerprint``); ``tug_of_war.csv`` (one row per model, request and framing) is a view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rivalry.experiments.base import Result, register_result
from rivalry.io.atomic import csv_bytes, write_atomically
from rivalry.models.model import Provenance

from .config import TugOfWarConfig


@dataclass(frozen=True)
class TugRow:
    """One model, request and framing: both continuations' log-probabilities, P(refusal) two ways, and the genre
    posterior at the end of the prompt."""

    model: str  # the role: base or tuned
    model_name: str
    request: str
    framing: str
    prompt: str  # as rendered
    refusal: str
    in_genre: str
    log_p_refusal: float
    log_p_in_genre: float
    refusal_tokens: int
    in_genre_tokens: int
    log_odds_refusal: float  # log P(refusal) - log P(in-genre)
    p_refusal: float  # sigmoid(log-odds)
    p_refusal_per_token: float  # sigmoid of the difference of mean log-probabilities per token
    unknown_tokens: int
    posterior_at_decision: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "posterior_at_decision": dict(self.posterior_at_decision)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TugRow:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__})


@dataclass(frozen=True)
class FramingMean:
    """Means over the requests for one model and framing."""

    model: str
    model_name: str
    framing: str
    n_requests: int
    log_odds_refusal: float
    p_refusal: float
    p_refusal_per_token: float
    posterior_at_decision: Mapping[str, float]

    @property
    def top_genre(self) -> str:
        post = self.posterior_at_decision
        return max(post, key=lambda g: post[g])

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "posterior_at_decision": dict(self.posterior_at_decision)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FramingMean:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__})


def framing_means(rows: tuple[TugRow, ...]) -> tuple[FramingMean, ...]:
    """Mean log-odds of the refusal, mean P(refusal) (both ways) and mean posterior per model and framing, over the
    requests."""
    out = []
    for model, framing in dict.fromkeys((r.model, r.framing) for r in rows):
        mine = [r for r in rows if r.model == model and r.framing == framing]
        genres = list(mine[0].posterior_at_decision)
        out.append(
            FramingMean(
                model=model,
                model_name=mine[0].model_name,
                framing=framing,
                n_requests=len(mine),
                log_odds_refusal=sum(r.log_odds_refusal for r in mine) / len(mine),
                p_refusal=sum(r.p_refusal for r in mine) / len(mine),
                p_refusal_per_token=sum(r.p_refusal_per_token for r in mine) / len(mine),
                posterior_at_decision={g: sum(r.posterior_at_decision[g] for r in mine) / len(mine) for g in genres},
            )
        )
    return tuple(out)


NUMBER_COLUMNS = ("log_p_refusal", "log_p_in_genre", "log_odds_refusal", "p_refusal", "p_refusal_per_token")


@register_result
@dataclass(frozen=True, eq=False)
class TugOfWarResult(Result):
    """Refusal against the framing's genre for every (model, request, framing), with means per framing.

    ``config`` is resolved (the request set named); ``provenance`` has ``base`` and ``tuned``; ``genre_set`` is
    the set the posterior was read with, as ``GenreSet.to_dict()`` (normalised priors).
    """

    KIND = "tug_of_war"
    MAIN_FILE = "tug_of_war.json"
    SCHEMA_VERSION = 2  # 1: the untyped layout before the experiment layer (no kind, config or provenance)
    CONFIG = TugOfWarConfig

    config: TugOfWarConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    request_set: str
    description: str
    genre_set: Mapping[str, Any]
    rows: tuple[TugRow, ...]
    summary: tuple[FramingMean, ...]

    @property
    def models(self) -> dict[str, str]:
        """Role -> model name."""
        return {role: p.name for role, p in self.provenance.items()}

    @property
    def genre_names(self) -> list[str]:
        return [g["name"] for g in self.genre_set["genres"]]

    def record(self) -> dict[str, Any]:
        return {
            "request_set": self.request_set,
            "description": self.description,
            "models": self.models,
            "genre_set": self.genre_set,
            "rows": [r.to_dict() for r in self.rows],
            "summary": [m.to_dict() for m in self.summary],
        }

    @classmethod
    def from_record(cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, Any]) -> TugOfWarResult:
        return cls(
            **meta,
            request_set=record["request_set"],
            description=record["description"],
            genre_set=record["genre_set"],
            rows=tuple(TugRow.from_dict(r) for r in record["rows"]),
            summary=tuple(FramingMean.from_dict(m) for m in record["summary"]),
        )

    def table_rows(self) -> list[dict[str, Any]]:
        """One flat row per model, request and framing (posteriors as ``posterior_<genre>`` columns)."""
        return [
            {
                **{k: v for k, v in r.to_dict().items() if k != "posterior_at_decision"},
                **{f"posterior_{g}": p for g, p in r.posterior_at_decision.items()},
            }
            for r in self.rows
        ]

    def write_views(self, directory: Path) -> None:
        """``tug_of_war.csv``: model name, request, framing, the scores and the posterior at the decision."""
        genres = self.genre_names
        columns = ["model", "request", "framing", *NUMBER_COLUMNS, *(f"posterior_{g}" for g in genres)]
        rows = [
            {
                "model": r.model_name,
                "request": r.request,
                "framing": r.framing,
                **{k: f"{getattr(r, k):.6g}" for k in NUMBER_COLUMNS},
                **{f"posterior_{g}": f"{r.posterior_at_decision[g]:.6g}" for g in genres},
            }
            for r in self.rows
        ]
        write_atomically(directory / "tug_of_war.csv", csv_bytes(columns, rows))

    def to_pandas(self) -> Any:
        """One row per model, request and framing, as a ``pandas.DataFrame``."""
        import pandas as pd

        return pd.DataFrame(self.table_rows())
