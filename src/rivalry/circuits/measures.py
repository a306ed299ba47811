"""Per-head measurements shared by ``rivalry heads`` and ``rivalry attack``: attention on the forbidden word,
OV suppression, the suppressor score, and the typed statistics of chosen heads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from jaxtyping import Float
from torch import Tensor
from tqdm.auto import tqdm
from transformers import PreTrainedTokenizerBase

from rivalry.circuits.attention import forbidden_word_attention
from rivalry.circuits.ov import OVCircuits, ov_circuits
from rivalry.core.sites import Site
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.facts.dataset import Fact, load_facts, select_split
from rivalry.models.anatomy import Anatomy
from rivalry.models.model import Model
from rivalry.prompts.facts import PAPER_SYSTEM_TEMPLATE, FactPrompts


@dataclass(frozen=True)
class HeadMeasures:
    """Per-head measurements over some facts.

    Attributes:
        mass_competing: attention mass on the forbidden word (the answer) ``[fact, layer, head]``.
        mass_nc_irrelevant: the same with an irrelevant forbidden word.
        ov: OV circuits of every head on the answer-token subset.
        ov_scores: their suppression scores ``[layer, head]``.
        scores: :func:`suppressor_scores` ``[layer, head]``.
    """

    mass_competing: Float[Tensor, "fact layer head"]
    mass_nc_irrelevant: Float[Tensor, "fact layer head"]
    ov: OVCircuits
    ov_scores: Float[Tensor, "layer head"]
    scores: Float[Tensor, "layer head"]


@dataclass(frozen=True)
class TokenEffect:
    """An answer token and the change of its own logit when the head attends to it (the OV diagonal)."""

    token: str
    self_effect: float


@dataclass(frozen=True)
class HeadStatistics:
    """One head: mean attention on the forbidden word (answer / irrelevant word), OV suppression score,
    suppressor score, and the answer tokens it down-weights most and least when attending to them."""

    site: Site
    mass_competing: float
    mass_nc_irrelevant: float
    ov_suppression: float
    suppressor_score: float
    down_weighted_most: tuple[TokenEffect, ...] = ()
    down_weighted_least: tuple[TokenEffect, ...] = ()

    @property
    def label(self) -> str:
        return self.site.label

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.site.layer,
            "head": self.site.head,
            "site": self.site.label,
            "mass_competing": self.mass_competing,
            "mass_nc_irrelevant": self.mass_nc_irrelevant,
            "ov_suppression": self.ov_suppression,
            "suppressor_score": self.suppressor_score,
            "down_weighted_most": [{"token": t.token, "self_effect": t.self_effect} for t in self.down_weighted_most],
            "down_weighted_least": [{"token": t.token, "self_effect": t.self_effect} for t in self.down_weighted_least],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HeadStatistics:
        def tokens(key: str) -> tuple[TokenEffect, ...]:
            return tuple(TokenEffect(str(t["token"]), float(t["self_effect"])) for t in data.get(key, ()))

        return cls(
            site=Site(int(data["layer"]), "head", int(data["head"])),
            mass_competing=float(data["mass_competing"]),
            mass_nc_irrelevant=float(data["mass_nc_irrelevant"]),
            ov_suppression=float(data["ov_suppression"]),
            suppressor_score=float(data["suppressor_score"]),
            down_weighted_most=tokens("down_weighted_most"),
            down_weighted_least=tokens("down_weighted_least"),
        )


def usable_facts(split: str, vocab: VocabularyIndex) -> list[Fact]:
    """Facts of ``split`` whose answer is one token of this tokenizer."""
    facts = [f for f in select_split(load_facts(), split) if vocab.token_set(f.answer)]
    if not facts:
        raise RivalryError("no facts with a one-token answer in this split")
    return facts


def suppressor_scores(
    mass_competing: Float[Tensor, "layer head"], ov_scores: Float[Tensor, "layer head"]
) -> Float[Tensor, "layer head"]:
    """``mass on the forbidden word (competing) x max(0, -OV suppression score)``: heads that look at the
    forbidden word and lower the logit of what they look at."""
    return mass_competing * (-ov_scores).clamp(min=0)


def measure_heads(
    lm: Model,
    prompts: Sequence[FactPrompts],
    ov_tokens: Sequence[int],
    batch_size: int = 8,
    progress: bool = False,
) -> HeadMeasures:
    """Attention on the forbidden word (competing and irrelevant prompts) and OV suppression of every head."""
    anatomy = Anatomy.of(lm)
    masses: dict[str, list[Tensor]] = {"competing": [], "nc_irrelevant": []}
    starts = range(0, len(prompts), batch_size)
    for start in tqdm(starts, desc="attention", unit="batch", leave=False, disable=not progress):
        chunk = prompts[start : start + batch_size]
        for kind, word_of in (("competing", lambda p: p.fact.answer), ("nc_irrelevant", lambda p: p.irrelevant_word)):
            texts = [getattr(p, kind) for p in chunk]
            systems = [PAPER_SYSTEM_TEMPLATE.format(word=word_of(p)) for p in chunk]
            masses[kind].append(forbidden_word_attention(lm, texts, [word_of(p) for p in chunk], systems))
    mass_c, mass_nc = torch.cat(masses["competing"]), torch.cat(masses["nc_irrelevant"])
    ov = ov_circuits(lm, ov_tokens)
    ov_scores = ov.suppression_scores.reshape(anatomy.n_layers, anatomy.n_heads)
    return HeadMeasures(mass_c, mass_nc, ov, ov_scores, suppressor_scores(mass_c.mean(0), ov_scores))


def head_statistics(
    measures: HeadMeasures, sites: Sequence[Site], tokenizer: PreTrainedTokenizerBase, n_tokens: int = 8
) -> tuple[HeadStatistics, ...]:
    """Per head of ``sites``: attention mass on the forbidden word, OV suppression score, and the ``n_tokens``
    answer tokens it down-weights most and least when attending to them."""
    index = {site: i for i, site in enumerate(measures.ov.sites)}

    def decoded(pairs: list[tuple[int, float]]) -> tuple[TokenEffect, ...]:
        return tuple(TokenEffect(str(tokenizer.decode([t])), float(e)) for t, e in pairs)

    return tuple(
        HeadStatistics(
            site=site,
            mass_competing=float(measures.mass_competing[:, site.layer, site.head].mean()),
            mass_nc_irrelevant=float(measures.mass_nc_irrelevant[:, site.layer, site.head].mean()),
            ov_suppression=float(measures.ov_scores[site.layer, site.head]),
            suppressor_score=float(measures.scores[site.layer, site.head]),
            down_weighted_most=decoded(measures.ov.extreme_tokens(index[site], n_tokens, lowest=True)),
            down_weighted_least=decoded(measures.ov.extreme_tokens(index[site], n_tokens, lowest=False)),
        )
        for site in sites
    )
