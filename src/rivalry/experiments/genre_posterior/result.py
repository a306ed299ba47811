"""``GenrePosteriorResult``: a model's posterior over genres after each token of one text.

Saved as ``genres.json`` (every key of the documented layout: ``model``, ``genre_set``, ``chat``, ``n_tokens``,
``unknown_tokens``, ``token_ids``, ``tokens``, ``trajectories``, ``final_posterior``, ``reversibility``; plus
``kind``, ``schema_version``, ``text``, ``config``, ``provenance`` and ``fingerprint``) and ``genres.safetensors``
(``log_posterior``, [genre, seq]); ``genres.csv`` (one row per token, a column per genre) is a view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jaxtyping import Float
from torch import Tensor

from rivalry.experiments.base import Result, register_result
from rivalry.experiments.genre_posterior.config import GenrePosteriorConfig
from rivalry.genres.headers import GenreSet, genre_set_from_dict, genre_set_source
from rivalry.genres.posterior import reversibility
from rivalry.io.atomic import csv_bytes, write_atomically
from rivalry.models.model import Provenance

REVERSIBILITY_COLUMNS = ("genre", "prior", "final", "max", "crossed_high", "reversed", "reversal_events")


@dataclass(frozen=True)
class GenreReversal:
    """One genre's trajectory in brief: final and maximal posterior, and whether a confident belief was given up.

    ``crossed_high``: P(g | x_1..t) reached ``high`` at some t; ``reversed``: it later fell below ``low``;
    ``reversal_events``: how many times it went from >= ``high`` to < ``low``.
    """

    genre: str
    prior: float
    final: float
    max: float
    crossed_high: bool
    reversed: bool
    reversal_events: int

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in REVERSIBILITY_COLUMNS}


@register_result
@dataclass(frozen=True, eq=False)
class GenrePosteriorResult(Result):
    """A genre posterior over one text.

    Attributes:
        config: the run's settings.
        provenance: ``{"model": Provenance}``.
        fingerprint: everything that decided the numbers (config, model identity, input hashes).
        genre_set: the hypotheses used (names, headers, priors).
        text: the text as scored (after wrapping in the chat template where ``config.chat``).
        token_ids, tokens: the scored text tokens (each decoded alone).
        log_posterior: [genre, seq]; column t-1 holds log P(g | x_1..t).
        unknown_tokens: how many text tokens are the tokenizer's unknown token (words a closed vocabulary lacks).
    """

    KIND = "genre_posterior"
    MAIN_FILE = "genres.json"
    SCHEMA_VERSION = 2  # 1: the layout of rivalry <= 0.1 (no kind, config or provenance)
    CONFIG = GenrePosteriorConfig

    config: GenrePosteriorConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    genre_set: GenreSet
    text: str
    token_ids: tuple[int, ...]
    tokens: tuple[str, ...]
    log_posterior: Float[Tensor, "genre seq"]
    unknown_tokens: int

    # --- derived numbers ----------------------------------------------------------------------------------------
    @property
    def chat(self) -> bool:
        return self.config.chat

    @property
    def high(self) -> float:
        return self.config.high

    @property
    def low(self) -> float:
        return self.config.low

    @property
    def posterior(self) -> Float[Tensor, "genre seq"]:
        """P(g | x_1..t), column t-1 after t tokens."""
        return self.log_posterior.exp()

    def final(self) -> dict[str, float]:
        """P(g | whole text) per genre."""
        return dict(zip(self.genre_set.names, self.posterior[:, -1].tolist(), strict=True))

    def top(self) -> tuple[str, float]:
        """The genre the whole text is most probably read as, and its posterior."""
        final = self.final()
        name = max(final, key=lambda g: final[g])
        return name, final[name]

    def reversals(self) -> tuple[GenreReversal, ...]:
        """Per genre: final posterior, maximum, whether it reached ``high`` and later fell below ``low``."""
        rev = reversibility(self.log_posterior, high=self.high, low=self.low)
        probs = self.posterior
        return tuple(
            GenreReversal(
                genre=name,
                prior=prior,
                final=float(probs[g, -1]),
                max=float(probs[g].max()),
                crossed_high=bool(rev.crossed[g]),
                reversed=bool(rev.reversed[g]),
                reversal_events=int(rev.events[g]),
            )
            for g, (name, prior) in enumerate(zip(self.genre_set.names, self.genre_set.prior(), strict=True))
        )

    def summary_line(self) -> str:
        final = ", ".join(f"{name} {p:.3f}" for name, p in self.final().items())
        return f"P(genre | {len(self.tokens)} tokens): {final}"

    # --- storage -------------------------------------------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        probs = self.posterior
        genre_set = self.genre_set.to_dict()
        genre_set["source"] = genre_set_source(self.genre_set)  # the priors as given: rebuilds the set exactly
        return {
            "model": self.model,
            "genre_set": genre_set,
            "chat": self.chat,
            "n_tokens": len(self.tokens),
            "unknown_tokens": self.unknown_tokens,
            "token_ids": list(self.token_ids),
            "tokens": list(self.tokens),
            "trajectories": {name: probs[g].tolist() for g, name in enumerate(self.genre_set.names)},
            "final_posterior": self.final(),
            "reversibility": {
                "high": self.high,
                "low": self.low,
                "genres": [row.to_dict() for row in self.reversals()],
            },
            "text": self.text,
        }

    @classmethod
    def from_record(
        cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, Tensor]
    ) -> GenrePosteriorResult:
        return cls(
            **meta,
            genre_set=genre_set_from_dict(record["genre_set"]["source"]),
            text=str(record["text"]),
            token_ids=tuple(int(i) for i in record["token_ids"]),
            tokens=tuple(str(t) for t in record["tokens"]),
            log_posterior=tensors["log_posterior"],
            unknown_tokens=int(record["unknown_tokens"]),
        )

    def tensors(self) -> dict[str, Tensor]:
        return {"log_posterior": self.log_posterior}

    def table_rows(self) -> list[dict[str, Any]]:
        """One row per token: position (1-based), token id, token, then P(g | x_1..t) per genre."""
        probs = self.posterior
        names = self.genre_set.names
        return [
            {"position": t + 1, "token_id": tok_id, "token": tok, **dict(zip(names, probs[:, t].tolist(), strict=True))}
            for t, (tok_id, tok) in enumerate(zip(self.token_ids, self.tokens, strict=True))
        ]

    def write_views(self, directory: Path) -> None:
        """``genres.csv``: one row per token, a column per genre (posteriors to 6 significant digits)."""
        names = self.genre_set.names
        rows = [{**row, **{g: f"{float(row[g]):.6g}" for g in names}} for row in self.table_rows()]
        write_atomically(directory / "genres.csv", csv_bytes(["position", "token_id", "token", *names], rows))

    def to_pandas(self) -> Any:
        """One row per token (position, token_id, token, one posterior column per genre)."""
        import pandas as pd

        return pd.DataFrame(self.table_rows(), columns=["position", "token_id", "token", *self.genre_set.names])
