"""``HeadsResult``: where every head looks and what it suppresses, with the top heads in detail.

Saved as ``heads.json`` (every key of the documented layout: settings, the paper comparison, the top heads with
their OV extreme tokens, an example prompt's attention, plus ``kind``, ``schema_version``, ``config``,
``provenance``, ``fingerprint``) and ``heads.safetensors`` (the per-fact attention masses and the OV scores of
every head); ``heads.csv`` (one row per head) is a view, never read back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from jaxtyping import Float
from torch import Tensor

from rivalry.circuits.attention import mass_summary
from rivalry.circuits.measures import HeadStatistics, suppressor_scores
from rivalry.core.sites import Site
from rivalry.experiments.base import Result, register_result
from rivalry.experiments.heads.config import HeadsConfig
from rivalry.io.atomic import csv_bytes, write_atomically
from rivalry.models.model import Provenance

HEAD_COLUMNS = ("layer", "head", "site", "mass_competing", "mass_nc_irrelevant", "ov_suppression", "suppressor_score")
PAPER_LLAMA2_7B_CHAT = {"mass_top10": 0.196, "mass_other": 0.0086, "ov_top10": -1.22, "ov_other": 0.118}
SELECTION_BY_SCORE = "mass_competing x max(0, -ov_suppression)"
SELECTION_FROM_RUN = "forbidden-facts run"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class ExampleAttention:
    """Attention of the top heads from the predicting (last) position over one prompt's tokens.

    Attributes:
        prompt: the prompt as fed to the tokenizer.
        tokens: its tokens, decoded one by one.
        heads: the heads' labels (rows of ``weights``).
        weights: ``weights[i][j]``: attention of head ``heads[i]`` on token ``j``.
    """

    prompt: str
    tokens: tuple[str, ...]
    heads: tuple[str, ...]
    weights: tuple[tuple[float, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "tokens": list(self.tokens),
            "heads": list(self.heads),
            "weights": [list(w) for w in self.weights],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExampleAttention:
        return cls(
            prompt=str(data["prompt"]),
            tokens=tuple(str(t) for t in data["tokens"]),
            heads=tuple(str(h) for h in data["heads"]),
            weights=tuple(tuple(float(x) for x in row) for row in data["weights"]),
        )


@dataclass(frozen=True)
class AttentionMass:
    """Mean attention mass on the forbidden word, top heads vs all other heads, when the forbidden word is the
    answer (competing) or an irrelevant word; ``other_*`` is None when every head is a top head."""

    top_competing: float | None
    top_non_competing: float | None
    other_competing: float | None
    other_non_competing: float | None


@register_result
@dataclass(frozen=True, eq=False)
class HeadsResult(Result):
    """What ``rivalry heads`` measured.

    Attributes:
        config: the run's settings.
        provenance: ``{"model": Provenance}``.
        fingerprint: config, model identity, input hashes and (``heads_from``) the fingerprint of the
            forbidden-facts result the heads were chosen from, if any.
        n_facts: facts whose prompts measured the attention.
        n_ov_tokens: answer tokens the OV circuits were read on.
        selection: how the top heads were chosen.
        top_heads: the chosen heads, best first, with their OV extreme tokens.
        example: the top heads' attention over the first fact's competing prompt.
        mass_competing: ``[fact, layer, head]`` attention on the forbidden word when it is the answer.
        mass_nc_irrelevant: ``[fact, layer, head]`` the same with an irrelevant forbidden word.
        ov_scores: ``[layer, head]`` OV suppression score of every head (negative: it lowers what it reads).
        run_dir: the directory the forbidden-facts result was loaded from, if it was (informative).
    """

    KIND = "heads"
    MAIN_FILE = "heads.json"
    SCHEMA_VERSION = 2  # 1: the untyped layout (no kind, config or provenance)
    CONFIG = HeadsConfig

    config: HeadsConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    n_facts: int
    n_ov_tokens: int
    selection: str
    top_heads: tuple[HeadStatistics, ...]
    example: ExampleAttention
    mass_competing: Float[Tensor, "fact layer head"]
    mass_nc_irrelevant: Float[Tensor, "fact layer head"]
    ov_scores: Float[Tensor, "layer head"]
    run_dir: str | None = None

    # --- derived numbers ----------------------------------------------------------------------------------------
    @property
    def sites(self) -> tuple[Site, ...]:
        """The top heads, best first."""
        return tuple(h.site for h in self.top_heads)

    @property
    def n_layers(self) -> int:
        return int(self.ov_scores.shape[0])

    @property
    def n_heads(self) -> int:
        return int(self.ov_scores.shape[1])

    @property
    def scores(self) -> Float[Tensor, "layer head"]:
        """Suppressor score of every head: mean mass on the forbidden word x max(0, -OV suppression)."""
        return suppressor_scores(self.mass_competing.mean(0), self.ov_scores)

    @property
    def selected(self) -> torch.Tensor:
        """``[layer, head]`` boolean mask of the top heads."""
        mask = torch.zeros(self.ov_scores.shape, dtype=torch.bool)
        for site in self.sites:
            mask[site.layer, site.head] = True
        return mask

    @property
    def attention_mass(self) -> AttentionMass:
        summary = mass_summary(self.mass_competing, self.mass_nc_irrelevant, list(self.sites))
        return AttentionMass(**{key: _finite(value) for key, value in summary.items()})

    @property
    def ov_suppression(self) -> dict[str, float | None]:
        """Mean OV suppression score of the top heads and of the other heads (None if there are none)."""
        mask = self.selected
        other = float(self.ov_scores[~mask].mean()) if bool((~mask).any()) else None
        return {"top": _finite(float(self.ov_scores[mask].mean())), "other": other}

    @property
    def settings(self) -> dict[str, Any]:
        """The config as a dict, with the model and the forbidden-facts run as the layout before schema 2."""
        return {"model": self.provenance["model"].name, **self.config.to_dict(), "run_dir": self.run_dir}

    def head_rows(self) -> list[HeadStatistics]:
        """Every head (canonical order) with its mean masses, OV suppression and suppressor score."""
        scores = self.scores
        return [  # each head's mean over its own column, as for the top heads (same float32 sums)
            HeadStatistics(
                Site(layer, "head", head),
                float(self.mass_competing[:, layer, head].mean()),
                float(self.mass_nc_irrelevant[:, layer, head].mean()),
                float(self.ov_scores[layer, head]),
                float(scores[layer, head]),
            )
            for layer in range(self.n_layers)
            for head in range(self.n_heads)
        ]

    # --- saving and loading ---------------------------------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "settings": self.settings,
            "n_facts": self.n_facts,
            "n_ov_tokens": self.n_ov_tokens,
            "selection": self.selection,
            "top_heads": [h.to_dict() for h in self.top_heads],
            "attention_mass": asdict(self.attention_mass),
            "ov_suppression": self.ov_suppression,
            "paper_llama2_7b_chat": dict(PAPER_LLAMA2_7B_CHAT),
            "example": self.example.to_dict(),
            "n_layers": self.n_layers,
            "n_heads": self.n_heads,
        }

    def tensors(self) -> dict[str, Tensor]:
        return {
            "mass_competing": self.mass_competing,
            "mass_nc_irrelevant": self.mass_nc_irrelevant,
            "ov_scores": self.ov_scores,
        }

    @classmethod
    def from_record(cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, Tensor]) -> HeadsResult:
        missing = sorted({"mass_competing", "mass_nc_irrelevant", "ov_scores"} - set(tensors))
        if missing:
            raise ValueError(f"heads.safetensors lacks {', '.join(missing)}")
        return cls(
            **meta,
            n_facts=int(record["n_facts"]),
            n_ov_tokens=int(record["n_ov_tokens"]),
            selection=str(record["selection"]),
            top_heads=tuple(HeadStatistics.from_dict(h) for h in record["top_heads"]),
            example=ExampleAttention.from_dict(record["example"]),
            mass_competing=tensors["mass_competing"],
            mass_nc_irrelevant=tensors["mass_nc_irrelevant"],
            ov_scores=tensors["ov_scores"],
            run_dir=record["settings"].get("run_dir"),
        )

    def write_views(self, directory: Path) -> None:
        rows = [h.to_dict() for h in self.head_rows()]
        write_atomically(directory / "heads.csv", csv_bytes(HEAD_COLUMNS, rows))

    def to_pandas(self) -> Any:
        """Every head as a DataFrame row (the columns of ``heads.csv``)."""
        import pandas as pd

        return pd.DataFrame([h.to_dict() for h in self.head_rows()], columns=list(HEAD_COLUMNS))

    def summary_line(self) -> str:
        """One line for the terminal."""
        mass, ov = self.attention_mass, self.ov_suppression
        return (
            f"top {len(self.top_heads)} heads: {', '.join(h.label for h in self.top_heads)}; attention on the "
            f"forbidden word {_fmt(mass.top_competing, '.3f')} (other heads {_fmt(mass.other_competing, '.4f')}); "
            f"OV suppression {_fmt(ov['top'], '+.3f')} (other {_fmt(ov['other'], '+.3f')})"
        )


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)
