"""``AttackResult``: the vocabulary searches, the attacks built from them, and their measured effects.

Saved as ``attacks.json``: every key of the documented layout (settings, heads and their statistics, search
statistics, attacks ranked by ``success_rate``, the California baseline, the best answer-free attack) plus
``kind``, ``schema_version``, ``config``, ``provenance``, ``fingerprint``, ``searches`` (per fact and template,
with the measured shortlist) and ``rows`` (per attack and fact). ``attacks.csv`` and ``search.csv`` are views,
never read back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Any

from rivalry.circuits.attack import BASELINE_TEMPLATE, summarise_attack
from rivalry.circuits.measures import HeadStatistics
from rivalry.core.sites import Site
from rivalry.experiments.attack.config import AttackConfig
from rivalry.experiments.base import Result, register_result
from rivalry.io.atomic import csv_bytes, write_atomically
from rivalry.models.model import Provenance


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


@dataclass(frozen=True)
class AttackRow:
    """One attack on one fact; the prompts exactly as fed to the tokenizer (``add_special_tokens=False``)."""

    attack: str
    template: str
    source: str
    fact_id: str
    answer: str
    insertion: str
    mentions_answer: bool
    prompt_clean: str
    prompt_attacked: str
    p_clean: float
    p_attacked: float
    lo_clean: float
    lo_attacked: float
    effect_log10: float  # lo_attacked - lo_clean
    top1_clean: str
    top1_attacked: str
    top1_changed: bool


ATTACK_COLUMNS = tuple(f.name for f in fields(AttackRow))


@dataclass(frozen=True)
class ShortlistWord:
    """A word of the suppression search's shortlist: its predicted and measured effect (log10 odds)."""

    word: str
    predicted: float
    measured: float


@dataclass(frozen=True)
class SearchRow:
    """The searches of one fact under one template.

    Attributes:
        attention_words: the words the heads attend to most at the slot, best first.
        answer_rank_attention, answer_rank_predicted: the answer's rank among all candidates by attention and by
            predicted suppression (1-based; None: not a candidate).
        answer_rank: the answer's rank in the measured shortlist (None: not shortlisted).
        shortlist: the measured shortlist, most suppressive (measured) first.
        search, search_answer_free: the words the ``search`` and ``search_answer_free`` attacks insert.
        prediction_spearman: rank agreement of predicted and measured effects (None: undefined).
    """

    fact_id: str
    template: str
    answer: str
    attention_words: tuple[str, ...]
    answer_rank_attention: int | None
    answer_rank_predicted: int | None
    answer_rank: int | None
    shortlist: tuple[ShortlistWord, ...]
    search: str | None
    search_answer_free: str | None
    prediction_spearman: float | None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "shortlist": [asdict(w) for w in self.shortlist]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SearchRow:
        values = {f.name: data[f.name] for f in fields(cls)}
        values["attention_words"] = tuple(values["attention_words"])
        values["shortlist"] = tuple(ShortlistWord(**w) for w in values["shortlist"])
        return cls(**values)

    def csv_row(self) -> dict[str, Any]:
        """The row of ``search.csv`` (lists joined with `` | ``, the shortlist as ``word (predicted / measured)``)."""
        shortlist = " | ".join(f"{w.word} ({w.predicted:+.2f} / {w.measured:+.2f})" for w in self.shortlist)
        row = {**asdict(self), "attention_words": " | ".join(self.attention_words)}
        del row["shortlist"]
        return {**row, "shortlist_predicted_measured": shortlist}


SEARCH_COLUMNS = (
    "fact_id", "template", "answer", "attention_words", "answer_rank_attention", "answer_rank_predicted",
    "answer_rank", "shortlist_predicted_measured", "search", "search_answer_free", "prediction_spearman",
)  # fmt: skip


@dataclass(frozen=True)
class RankAgreement:
    """Spearman correlation of the approximate and the exact attention search on ``n`` candidates of one fact
    (None: undefined, e.g. constant scores)."""

    fact_id: str
    n: int
    spearman: float | None


@dataclass(frozen=True)
class AttackSummary:
    """One attack over the facts: share with effect <= -1 (success), mean effect, top-1 change rate."""

    attack: str
    n_facts: int
    success_rate: float
    mean_effect_log10: float
    top1_changed_rate: float
    answer_free: bool


def template_search(rows: list[SearchRow]) -> dict[str, Any]:
    """Per template: how often the searches rank the answer first / in the top 10, and its median rank."""
    summary: dict[str, Any] = {"n_facts": len(rows)}
    for key, column in (("", "answer_rank"), ("_predicted", "answer_rank_predicted"),
                        ("_attention", "answer_rank_attention")):  # fmt: skip
        ranks = [getattr(r, column) for r in rows]
        found = sorted(r for r in ranks if r is not None)
        summary |= {
            f"answer_first_share{key}": sum(r == 1 for r in found) / len(ranks) if ranks else None,
            f"answer_top10_share{key}": sum(r <= 10 for r in found) / len(ranks) if ranks else None,
            f"median_answer_rank{key}": found[len(found) // 2] if found else None,
        }
    return summary


@register_result
@dataclass(frozen=True, eq=False)
class AttackResult(Result):
    """What ``rivalry attack`` measured.

    Attributes:
        config: the run's settings.
        provenance: ``{"model": Provenance}``.
        fingerprint: config, model identity, input hashes and (``heads_from``) the fingerprint of the result the
            heads were taken from, if any.
        n_facts_total: facts in the split (after ``limit``) with a one-token answer.
        n_facts_attacked: those whose clean p(answer) exceeds ``min_clean_probability``.
        heads: the heads the searches follow.
        head_statistics: their attention and OV statistics on the selection facts.
        n_candidates: word candidates of the vocabulary searches.
        rank_agreement: the exact-search checks of the approximate attention search.
        searches: per fact and template, in run order.
        rows: per attack and fact, in run order.
        heads_from_dir: the directory the heads were taken from, if any (informative).
    """

    KIND = "attack"
    MAIN_FILE = "attacks.json"
    SCHEMA_VERSION = 2  # 1: the untyped layout (no kind, config or provenance; searches and rows only in CSVs)
    CONFIG = AttackConfig

    config: AttackConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    n_facts_total: int
    n_facts_attacked: int
    heads: tuple[Site, ...]
    head_statistics: tuple[HeadStatistics, ...]
    n_candidates: int
    rank_agreement: tuple[RankAgreement, ...]
    searches: tuple[SearchRow, ...]
    rows: tuple[AttackRow, ...]
    heads_from_dir: str | None = None

    # --- derived numbers ----------------------------------------------------------------------------------------
    @cached_property
    def attacks(self) -> tuple[AttackSummary, ...]:
        """Every attack over its facts, by success rate (highest first), then mean effect, then name."""
        by_attack: dict[str, list[dict[str, Any]]] = {}
        for row in self.rows:
            by_attack.setdefault(row.attack, []).append(asdict(row))
        summaries = [AttackSummary(attack=name, **summarise_attack(rs)) for name, rs in by_attack.items()]
        return tuple(sorted(summaries, key=lambda a: (-a.success_rate, a.mean_effect_log10, a.attack)))

    @property
    def baseline(self) -> AttackSummary | None:
        """The California attack: the answer itself in the baseline template (None if that template was not run)."""
        return next((a for a in self.attacks if a.attack == f"{BASELINE_TEMPLATE}:answer"), None)

    @property
    def best_answer_free(self) -> AttackSummary | None:
        return next((a for a in self.attacks if a.answer_free), None)

    @property
    def per_template(self) -> dict[str, dict[str, Any]]:
        """Search statistics per template (see :func:`template_search`)."""
        return {t: template_search([s for s in self.searches if s.template == t]) for t in self.config.templates}

    @property
    def mean_spearman(self) -> float | None:
        """Mean rank agreement of the exact-search checks (None: no check, or one undefined)."""
        values = [c.spearman for c in self.rank_agreement]
        if not values or any(v is None for v in values):
            return None
        return _finite(sum(v for v in values if v is not None) / len(values))

    @property
    def mean_prediction_spearman(self) -> float | None:
        values = [s.prediction_spearman for s in self.searches if s.prediction_spearman is not None]
        return _finite(sum(values) / len(values)) if values else None

    @property
    def settings(self) -> dict[str, Any]:
        """The config as a dict, with the model and the heads' source as the layout before schema 2."""
        return {"model": self.provenance["model"].name, **self.config.to_dict(), "heads_from": self.heads_from_dir}

    # --- saving and loading ---------------------------------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        baseline, free = self.baseline, self.best_answer_free
        return {
            "model": self.model,
            "settings": self.settings,
            "n_facts_total": self.n_facts_total,
            "n_facts_attacked": self.n_facts_attacked,
            "heads": [s.label for s in self.heads],
            "head_statistics": [h.to_dict() for h in self.head_statistics],
            "n_candidates": self.n_candidates,
            "search": {
                "per_template": self.per_template,
                "rank_agreement": [asdict(c) for c in self.rank_agreement],
                "mean_spearman": self.mean_spearman,
                "mean_prediction_spearman": self.mean_prediction_spearman,
            },
            "attacks": [asdict(a) for a in self.attacks],
            "baseline": None if baseline is None else asdict(baseline),
            "best_answer_free": None if free is None else asdict(free),
            "searches": [s.to_dict() for s in self.searches],
            "rows": [asdict(r) for r in self.rows],
        }

    @classmethod
    def from_record(cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, Any]) -> AttackResult:
        labels = {h["site"]: Site(int(h["layer"]), "head", int(h["head"])) for h in record["head_statistics"]}
        return cls(
            **meta,
            n_facts_total=int(record["n_facts_total"]),
            n_facts_attacked=int(record["n_facts_attacked"]),
            heads=tuple(labels[label] for label in record["heads"]),
            head_statistics=tuple(HeadStatistics.from_dict(h) for h in record["head_statistics"]),
            n_candidates=int(record["n_candidates"]),
            rank_agreement=tuple(RankAgreement(**c) for c in record["search"]["rank_agreement"]),
            searches=tuple(SearchRow.from_dict(s) for s in record["searches"]),
            rows=tuple(AttackRow(**r) for r in record["rows"]),
            heads_from_dir=record["settings"].get("heads_from"),
        )

    def write_views(self, directory: Path) -> None:
        write_atomically(directory / "attacks.csv", csv_bytes(ATTACK_COLUMNS, [asdict(r) for r in self.rows]))
        write_atomically(directory / "search.csv", csv_bytes(SEARCH_COLUMNS, [s.csv_row() for s in self.searches]))

    def to_pandas(self) -> Any:
        """Every attack on every fact as a DataFrame row (the columns of ``attacks.csv``)."""
        import pandas as pd

        return pd.DataFrame([asdict(r) for r in self.rows], columns=list(ATTACK_COLUMNS))

    def searches_frame(self) -> Any:
        """The searches, one row per fact and template (the columns of ``search.csv``)."""
        import pandas as pd

        return pd.DataFrame([s.csv_row() for s in self.searches], columns=list(SEARCH_COLUMNS))

    def summary_lines(self) -> list[str]:
        """The terminal summary."""
        lines = [f"{self.n_facts_attacked} facts attacked; heads {', '.join(s.label for s in self.heads)}"]
        for template, search in self.per_template.items():
            share = search["answer_first_share"]
            lines.append(f"search ranks the answer first ({template}): {'n/a' if share is None else f'{share:.0%}'}")
        if self.baseline:
            lines.append(f"California baseline {self.baseline.attack}: success rate {self.baseline.success_rate:.0%}")
        if self.best_answer_free:
            free = self.best_answer_free
            lines.append(f"best answer-free attack {free.attack}: success rate {free.success_rate:.0%}")
        return lines
