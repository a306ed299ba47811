"""``rivalry attack``: search the heads' preferred words, build attacks from them, evaluate and rank them.

Writes ``attacks.csv`` (one row per attack and fact, prompts exactly as fed to the tokenizer with
``add_special_tokens=False``), ``search.csv`` (per fact and template: the words each search found, the
answer's rank by attention, by predicted and by measured suppression, the shortlist with predicted / measured
effects)
and ``attacks.json`` (settings, heads, search statistics, attacks ranked by ``success_rate``, the California
baseline and the best answer-free attack).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from rivalry.core.sites import Site
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.facts.dataset import Fact, load_irrelevant_words
from rivalry.forbidden.prompts import build_fact_prompts
from rivalry.forbidden.store import write_atomically, write_json
from rivalry.heads.analysis import head_statistics, measure_heads, usable_facts
from rivalry.heads.attack import (
    ATTACK_TEMPLATES,
    BASELINE_TEMPLATE,
    Attack,
    all_attacks,
    mentions_answer,
    render_attack,
    score_prompts,
    summarise_attack,
)
from rivalry.heads.attack_search import SlotSearch, search_slot, shortlist_prompts
from rivalry.heads.attention import forbidden_word_span
from rivalry.heads.ov import answer_token_subset
from rivalry.heads.search import approx_slot_attention, exact_slot_attention, spearman
from rivalry.heads.select import heads_from_run, top_heads
from rivalry.heads.suppression_search import candidate_vectors
from rivalry.models.anatomy import Anatomy

ATTACK_COLUMNS = (
    "attack", "template", "source", "fact_id", "answer", "insertion", "mentions_answer", "prompt_clean",
    "prompt_attacked", "p_clean", "p_attacked", "lo_clean", "lo_attacked", "effect_log10", "top1_clean",
    "top1_attacked", "top1_changed",
)  # fmt: skip


@dataclass(frozen=True)
class AttackConfig:
    """Settings of a ``rivalry attack`` run.

    ``min_clean_probability``: facts are attacked only if the clean prompt gives the answer more than this.
    ``placeholder``: the word standing in the slot while the heads' query is captured for the search.
    ``shortlist``: words of the suppression search measured exactly per fact and template (the best ones, and
    as many answer-free ones). ``selection_split``: the facts whose prompts choose the heads when no
    ``heads_from`` run is given (by default the training split, so held-out facts do not pick their own heads).
    """

    model: str = "smollm2"
    split: str = "heldout"
    limit: int | None = None
    min_clean_probability: float = 0.3
    n_heads: int = 10
    heads_from: str | None = None
    templates: tuple[str, ...] = tuple(ATTACK_TEMPLATES)
    placeholder: str = "everywhere"
    shortlist: int = 4
    spearman_facts: int = 2
    spearman_candidates: int = 48
    batch_size: int = 16
    selection_facts: int = 16
    selection_split: str = "train"
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = [t for t in self.templates if t not in ATTACK_TEMPLATES]
        if unknown:
            raise RivalryError(f"unknown attack template(s) {unknown}; choose from {', '.join(ATTACK_TEMPLATES)}")
        if self.limit is not None and self.limit < 1:
            raise RivalryError("limit must be at least 1")
        if not 0.0 <= self.min_clean_probability < 1.0:
            raise RivalryError("min_clean_probability must be in [0, 1)")
        if self.shortlist < 1:
            raise RivalryError("shortlist must be at least 1")


def word_candidates(vocab: VocabularyIndex) -> torch.Tensor:
    """Search candidates: tokens whose stripped text is alphabetic with at least two letters (insertable words)."""
    return torch.tensor([i for i, t in enumerate(vocab.texts) if len(t.strip()) > 1 and t.strip().isalpha()])


def run_attacks(lm: object, config: AttackConfig, out_dir: Path) -> dict[str, Any]:
    """Run the searches and the attacks on ``lm``; write the files into ``out_dir`` and return ``attacks.json``."""
    anatomy, tokenizer = Anatomy.of(lm), lm.tokenizer
    vocab = VocabularyIndex(tokenizer, anatomy.vocab_size)
    facts = usable_facts(lm, config.split, vocab)
    facts = facts[: config.limit] if config.limit else facts
    words = load_irrelevant_words()
    clean = [build_fact_prompts(tokenizer, f, words) for f in facts]
    sets = [vocab.token_set(f.answer) for f in facts]
    scored = score_prompts(lm, [c.nc_irrelevant for c in clean], sets, config.batch_size)
    keep = [i for i, p in enumerate(scored.p_answer) if p > config.min_clean_probability]
    if not keep:
        raise RivalryError(f"no fact's clean p(answer) exceeds {config.min_clean_probability}; lower it")
    sites, head_stats = _heads(lm, config, vocab, words)
    candidates = word_candidates(vocab)
    vectors = candidate_vectors(lm, sites, candidates)
    searches, fact_index = [], []
    for i in tqdm(keep, desc="vocabulary search", unit="fact", leave=False):
        for template in config.templates:
            searches.append(
                search_slot(
                    lm, facts[i], clean[i].irrelevant_word, sets[i], template, vectors, config.placeholder,
                    config.shortlist,
                )
            )  # fmt: skip
            fact_index.append(i)
    plans = shortlist_prompts(lm, searches)
    measured = score_prompts(
        lm, [p[2] for p in plans], [sets[fact_index[p[0]]] for p in plans], config.batch_size, "shortlist"
    )
    for (s, word, _), lo in zip(plans, measured.log_odds, strict=True):
        searches[s].measured[word] = lo - scored.log_odds[fact_index[s]]
    checks = [
        _attention_check(lm, config, facts[i], clean[i].irrelevant_word, sites, vectors)
        for i in keep[: config.spearman_facts]
    ]
    insertions = {
        (s.fact.fact_id, s.template): {
            "search": s.best, "search_answer_free": s.best_answer_free, "attention": s.attention_words[0],
        }
        for s in searches
    }  # fmt: skip
    rows = _evaluate(lm, config, facts, clean, sets, scored, keep, insertions)
    by_attack: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_attack.setdefault(row["attack"], []).append(row)
    ranked = sorted(
        ({"attack": name, **summarise_attack(rs)} for name, rs in by_attack.items()),
        key=lambda a: (-a["success_rate"], a["mean_effect_log10"], a["attack"]),
    )
    answer_free = [a for a in ranked if a["answer_free"]]
    search_rows = [_search_row(s) for s in searches]
    results = {
        "model": config.model,
        "settings": {**asdict(config), "templates": list(config.templates)},
        "n_facts_total": len(facts),
        "n_facts_attacked": len(keep),
        "heads": [s.label for s in sites],
        "head_statistics": head_stats,
        "n_candidates": int(candidates.shape[0]),
        "search": _search_summary(search_rows, checks, config.templates),
        "attacks": ranked,
        "baseline": next((a for a in ranked if a["attack"] == f"{BASELINE_TEMPLATE}:answer"), None),
        "best_answer_free": answer_free[0] if answer_free else None,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "attacks.json", results)
    write_atomically(out_dir / "attacks.csv", _csv(rows, ATTACK_COLUMNS))
    write_atomically(out_dir / "search.csv", _csv(search_rows, tuple(search_rows[0])))
    return results


def _heads(lm, config: AttackConfig, vocab: VocabularyIndex, words) -> tuple[list[Site], list[dict[str, Any]]]:
    """The heads (from ``heads_from``, else the best suppressors on the selection split) and their statistics."""
    facts = usable_facts(lm, config.selection_split, vocab)
    prompts = [build_fact_prompts(lm.tokenizer, f, words) for f in facts[: config.selection_facts]]
    measures = measure_heads(lm, prompts, answer_token_subset(lm.tokenizer, facts, vocab))
    if config.heads_from:
        sites = heads_from_run(config.heads_from, config.n_heads)
    else:
        sites = top_heads(measures.scores, config.n_heads)
    return sites, head_statistics(measures, sites, lm.tokenizer, n_tokens=5)


def _attention_check(lm, config: AttackConfig, fact: Fact, forbidden: str, sites, vectors) -> dict[str, Any]:
    """Rank agreement of the approximate and the exact attention search on a sample of candidates (one fact)."""
    tokenizer, candidates = lm.tokenizer, vectors.candidates
    attack = Attack(BASELINE_TEMPLATE, "search")
    text = render_attack(tokenizer, fact, attack, config.placeholder, forbidden)
    slot = forbidden_word_span(tokenizer, text, config.placeholder, attack.system(config.placeholder, forbidden))[0]
    ids = torch.tensor(tokenizer(text, add_special_tokens=False)["input_ids"])
    weights = approx_slot_attention(lm, ids, slot, sites, candidates, vectors.keys).weights.mean(-1)
    order = weights.argsort(descending=True)
    rng = random.Random(config.seed + len(fact.fact_id))
    rest = order[16:].tolist()
    sample = order[:16].tolist() + rng.sample(rest, min(config.spearman_candidates - 16, len(rest)))
    exact = exact_slot_attention(lm, ids, slot, sites, candidates[sample]).mean(-1)
    return {"fact_id": fact.fact_id, "n": len(sample), "spearman": spearman(weights[sample], exact)}


def _search_row(search: SlotSearch) -> dict[str, Any]:
    shortlist = " | ".join(
        f"{w} ({search.shortlist[w]:+.2f} / {search.measured.get(w, float('nan')):+.2f})" for w in search.ranked()
    )
    return {
        "fact_id": search.fact.fact_id, "template": search.template, "answer": search.fact.answer,
        "attention_words": " | ".join(search.attention_words), "answer_rank_attention": search.attention_rank,
        "answer_rank_predicted": search.predicted_rank, "answer_rank": search.answer_rank,
        "shortlist_predicted_measured": shortlist, "search": search.best,
        "search_answer_free": search.best_answer_free, "prediction_spearman": search.prediction_agreement(),
    }  # fmt: skip


def _evaluate(lm, config, facts, clean, sets, scored, keep, insertions) -> list[dict[str, Any]]:
    """Score every attack on every kept fact (one batched pass over all attacked prompts)."""
    tokenizer = lm.tokenizer
    plans = []
    for i in keep:
        fact, forbidden = facts[i], clean[i].irrelevant_word
        for attack in all_attacks(config.templates):
            if attack.source == "answer":
                word = fact.answer
            elif attack.source == "wrong_answer":
                word = fact.wrong_answer
            else:
                word = insertions[(fact.fact_id, attack.template)][attack.source]
            if word:
                plans.append((i, attack, word, render_attack(tokenizer, fact, attack, word, forbidden)))
    attacked = score_prompts(lm, [p[3] for p in plans], [sets[p[0]] for p in plans], config.batch_size, "attacks")
    rows = []
    for j, (i, attack, word, text) in enumerate(plans):
        rows.append(
            {
                "attack": attack.name, "template": attack.template, "source": attack.source,
                "fact_id": facts[i].fact_id, "answer": facts[i].answer, "insertion": word,
                "mentions_answer": mentions_answer(tokenizer, word, facts[i].answer, sets[i]),
                "prompt_clean": clean[i].nc_irrelevant, "prompt_attacked": text,
                "p_clean": scored.p_answer[i], "p_attacked": attacked.p_answer[j],
                "lo_clean": scored.log_odds[i], "lo_attacked": attacked.log_odds[j],
                "effect_log10": attacked.log_odds[j] - scored.log_odds[i],
                "top1_clean": tokenizer.decode([scored.top1[i]]), "top1_attacked": tokenizer.decode([attacked.top1[j]]),
                "top1_changed": scored.top1[i] != attacked.top1[j],
            }
        )  # fmt: skip
    return rows


def _search_summary(rows, checks, templates) -> dict[str, Any]:
    per_template = {}
    for template in templates:
        mine = [r for r in rows if r["template"] == template]
        per_template[template] = {"n_facts": len(mine)}
        for key, column in (("", "answer_rank"), ("_predicted", "answer_rank_predicted"),
                            ("_attention", "answer_rank_attention")):  # fmt: skip
            ranks = [r[column] for r in mine]
            found = sorted(r for r in ranks if r is not None)
            per_template[template] |= {
                f"answer_first_share{key}": sum(r == 1 for r in found) / len(ranks) if ranks else float("nan"),
                f"answer_top10_share{key}": sum(r <= 10 for r in found) / len(ranks) if ranks else float("nan"),
                f"median_answer_rank{key}": found[len(found) // 2] if found else None,
            }
    agreement = [r["prediction_spearman"] for r in rows if r["prediction_spearman"] == r["prediction_spearman"]]
    values = [c["spearman"] for c in checks]
    return {
        "per_template": per_template,
        "rank_agreement": checks,
        "mean_spearman": sum(values) / len(values) if values else float("nan"),
        "mean_prediction_spearman": sum(agreement) / len(agreement) if agreement else float("nan"),
    }


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()
