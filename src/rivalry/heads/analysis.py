"""``rivalry heads``: attention on the forbidden word and OV suppression for every head, top heads in detail.

Writes ``heads.json`` (settings, the paper comparison, the top heads with their OV extreme tokens, and an
example prompt's attention for the report) and ``heads.csv`` (one row per head).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from transformers import PreTrainedTokenizerBase

from rivalry.core.sites import Site
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.facts.dataset import Fact, load_facts, load_irrelevant_words, select_split
from rivalry.forbidden.prompts import PAPER_SYSTEM_TEMPLATE, FactPrompts, build_fact_prompts
from rivalry.forbidden.store import write_atomically, write_json
from rivalry.heads.attention import attention_from_last, forbidden_word_attention, mass_summary
from rivalry.heads.ov import OVCircuits, answer_token_subset, ov_circuits
from rivalry.heads.select import heads_from_run, suppressor_scores, top_heads
from rivalry.models.anatomy import Anatomy
from rivalry.prompts.chat import encode_batch

HEAD_COLUMNS = ("layer", "head", "site", "mass_competing", "mass_nc_irrelevant", "ov_suppression", "suppressor_score")


@dataclass(frozen=True)
class HeadsConfig:
    """Settings of a ``rivalry heads`` run (facts: the prefill forbidden-facts prompts of ``split``)."""

    model: str = "smollm2"
    split: str = "all"
    limit: int | None = 32
    n_top: int = 10
    batch_size: int = 8
    run_dir: str | None = None

    def __post_init__(self) -> None:
        if self.n_top < 1 or self.batch_size < 1 or (self.limit is not None and self.limit < 1):
            raise RivalryError("--top, --batch-size and --limit must be at least 1")


@dataclass(frozen=True)
class HeadMeasures:
    """Per-head measurements over some facts.

    Attributes:
        mass_competing: attention mass on the forbidden word (the answer) ``[fact, layer, head]``.
        mass_nc_irrelevant: the same with an irrelevant forbidden word.
        ov: OV circuits of every head on the answer-token subset.
        ov_scores: their suppression scores ``[layer, head]``.
        scores: :func:`~rivalry.heads.select.suppressor_scores` ``[layer, head]``.
    """

    mass_competing: Tensor
    mass_nc_irrelevant: Tensor
    ov: OVCircuits
    ov_scores: Tensor
    scores: Tensor


def usable_facts(lm: object, split: str, vocab: VocabularyIndex) -> list[Fact]:
    """Facts of ``split`` whose answer is one token of this tokenizer."""
    facts = [f for f in select_split(load_facts(), split) if vocab.token_set(f.answer)]
    if not facts:
        raise RivalryError("no facts with a one-token answer in this split")
    return facts


def measure_heads(
    lm: object, prompts: Sequence[FactPrompts], ov_tokens: Sequence[int], batch_size: int = 8
) -> HeadMeasures:
    """Attention on the forbidden word (competing and irrelevant prompts) and OV suppression of every head."""
    anatomy = Anatomy.of(lm)
    masses: dict[str, list[Tensor]] = {"competing": [], "nc_irrelevant": []}
    for start in range(0, len(prompts), batch_size):
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
) -> list[dict[str, Any]]:
    """Per head of ``sites``: attention mass on the forbidden word, OV suppression score, and the answer tokens it
    down-weights most and least when attending to them."""
    index = {site: i for i, site in enumerate(measures.ov.sites)}

    def decoded(pairs: list[tuple[int, float]]) -> list[dict[str, Any]]:
        return [{"token": tokenizer.decode([t]), "self_effect": e} for t, e in pairs]

    stats = []
    for site in sites:
        layer, head = site.layer, site.head
        stats.append(
            {
                "layer": layer,
                "head": head,
                "site": site.label,
                "mass_competing": float(measures.mass_competing[:, layer, head].mean()),
                "mass_nc_irrelevant": float(measures.mass_nc_irrelevant[:, layer, head].mean()),
                "ov_suppression": float(measures.ov_scores[layer, head]),
                "suppressor_score": float(measures.scores[layer, head]),
                "down_weighted_most": decoded(measures.ov.extreme_tokens(index[site], n_tokens, lowest=True)),
                "down_weighted_least": decoded(measures.ov.extreme_tokens(index[site], n_tokens, lowest=False)),
            }
        )
    return stats


def run_heads(lm: object, config: HeadsConfig, out_dir: Path) -> dict[str, Any]:
    """Measure every head, pick the top ones, write ``heads.json`` and ``heads.csv``; returns the results."""
    anatomy = Anatomy.of(lm)
    tokenizer = lm.tokenizer
    vocab = VocabularyIndex(tokenizer, anatomy.vocab_size)
    all_facts = usable_facts(lm, config.split, vocab)
    facts = all_facts[: config.limit] if config.limit else all_facts
    words = load_irrelevant_words()
    prompts = [build_fact_prompts(tokenizer, f, words) for f in facts]
    tokens = answer_token_subset(tokenizer, all_facts, vocab)
    measures = measure_heads(lm, prompts, tokens, config.batch_size)
    mass_c, mass_nc, ov_scores, scores = (
        measures.mass_competing,
        measures.mass_nc_irrelevant,
        measures.ov_scores,
        measures.scores,
    )
    chosen = heads_from_run(config.run_dir, config.n_top) if config.run_dir else top_heads(scores, config.n_top)
    selected = torch.zeros_like(scores, dtype=torch.bool)
    for site in chosen:
        selected[site.layer, site.head] = True
    every_head = [Site(layer, "head", head) for layer in range(anatomy.n_layers) for head in range(anatomy.n_heads)]
    rows = [{c: stat[c] for c in HEAD_COLUMNS} for stat in head_statistics(measures, every_head, tokenizer, 0)]
    top = head_statistics(measures, chosen, tokenizer)
    results = {
        "model": config.model,
        "settings": asdict(config),
        "n_facts": len(facts),
        "n_ov_tokens": len(tokens),
        "selection": "forbidden-facts run" if config.run_dir else "mass_competing x max(0, -ov_suppression)",
        "top_heads": top,
        "attention_mass": mass_summary(mass_c, mass_nc, chosen),
        "ov_suppression": {
            "top": float(ov_scores[selected].mean()),
            "other": float(ov_scores[~selected].mean()) if bool((~selected).any()) else float("nan"),
        },
        "paper_llama2_7b_chat": {"mass_top10": 0.196, "mass_other": 0.0086, "ov_top10": -1.22, "ov_other": 0.118},
        "example": _example_attention(lm, prompts[0].competing, chosen),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "heads.json", results)
    write_atomically(out_dir / "heads.csv", _csv(rows).encode())
    return results


def _example_attention(lm: object, text: str, sites: list[Site]) -> dict[str, Any]:
    """Attention of the top heads over one prompt's tokens (for the report's heatmap)."""
    batch = encode_batch(lm.tokenizer, [text])
    attention = attention_from_last(lm, batch["input_ids"], batch["attention_mask"])
    return {
        "prompt": text,
        "tokens": [lm.tokenizer.decode([t]) for t in batch["input_ids"][0].tolist()],
        "heads": [s.label for s in sites],
        "weights": [attention.weights[0, s.layer, s.head].tolist() for s in sites],
    }


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEAD_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
