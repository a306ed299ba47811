"""``rivalry attack``: search the heads' preferred words, build attacks from them, evaluate and rank them.

Writes ``attacks.csv`` (one row per attack and fact, prompts exactly as fed to the tokenizer with
``add_special_tokens=False``), ``search.csv`` (per fact and template: the searched words and the answer's rank)
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

from rivalry.core.sites import Site
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.facts.dataset import Fact, load_irrelevant_words
from rivalry.forbidden.prompts import build_fact_prompts
from rivalry.forbidden.store import write_atomically, write_json
from rivalry.heads.analysis import measure_heads, usable_facts
from rivalry.heads.attack import (
    ATTACK_TEMPLATES,
    BASELINE_TEMPLATE,
    Attack,
    all_attacks,
    answer_free_token,
    mentions_answer,
    render_attack,
    score_prompts,
    summarise_attack,
)
from rivalry.heads.attention import forbidden_word_span
from rivalry.heads.ov import answer_token_subset
from rivalry.heads.search import approx_slot_attention, candidate_keys, exact_slot_attention, rank_of, spearman
from rivalry.heads.select import heads_from_run, top_heads
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
    """

    model: str = "smollm2"
    split: str = "heldout"
    limit: int | None = None
    min_clean_probability: float = 0.3
    n_heads: int = 10
    heads_from: str | None = None
    templates: tuple[str, ...] = tuple(ATTACK_TEMPLATES)
    placeholder: str = "everywhere"
    spearman_facts: int = 2
    spearman_candidates: int = 48
    batch_size: int = 16
    selection_facts: int = 16
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = [t for t in self.templates if t not in ATTACK_TEMPLATES]
        if unknown:
            raise RivalryError(f"unknown attack template(s) {unknown}; choose from {', '.join(ATTACK_TEMPLATES)}")
        if self.limit is not None and self.limit < 1:
            raise RivalryError("limit must be at least 1")
        if not 0.0 <= self.min_clean_probability < 1.0:
            raise RivalryError("min_clean_probability must be in [0, 1)")


def word_candidates(vocab: VocabularyIndex) -> torch.Tensor:
    """Search candidates: tokens whose stripped text is alphabetic with at least two letters (insertable words)."""
    return torch.tensor([i for i, t in enumerate(vocab.texts) if len(t.strip()) > 1 and t.strip().isalpha()])


def run_attacks(lm: object, config: AttackConfig, out_dir: Path) -> dict[str, Any]:
    """Run the search and the attacks on ``lm``; write the files into ``out_dir`` and return ``attacks.json``."""
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
    sites = _heads(lm, config, facts, clean, vocab)
    candidates = word_candidates(vocab)
    keys = candidate_keys(lm, sites, candidates)
    search_rows, insertions, checks = [], {}, []
    for n, i in enumerate(keep):
        fact, forbidden = facts[i], clean[i].irrelevant_word
        for template in config.templates:
            check_ranks = n < config.spearman_facts and template == BASELINE_TEMPLATE
            row, picked, check = _search(
                lm, config, fact, forbidden, sets[i], template, sites, candidates, keys, check_ranks
            )
            search_rows.append(row)
            insertions[(fact.fact_id, template)] = picked
            if check is not None:
                checks.append(check)
    rows = _evaluate(lm, config, facts, clean, sets, scored, keep, insertions)
    by_attack: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_attack.setdefault(row["attack"], []).append(row)
    ranked = sorted(
        ({"attack": name, **summarise_attack(rs)} for name, rs in by_attack.items()),
        key=lambda a: (-a["success_rate"], a["mean_effect_log10"], a["attack"]),
    )
    answer_free = [a for a in ranked if a["answer_free"]]
    results = {
        "model": config.model,
        "settings": {**asdict(config), "templates": list(config.templates)},
        "n_facts_total": len(facts),
        "n_facts_attacked": len(keep),
        "heads": [s.label for s in sites],
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


def _heads(lm, config: AttackConfig, facts, clean, vocab) -> list[Site]:
    if config.heads_from:
        return heads_from_run(config.heads_from, config.n_heads)
    measures = measure_heads(lm, clean[: config.selection_facts], answer_token_subset(lm.tokenizer, facts, vocab))
    return top_heads(measures.scores, config.n_heads)


def _search(lm, config, fact: Fact, forbidden, answer_set, template, sites, candidates, keys, spearman_check):
    """Vocabulary search at the template's slot for one fact: the picked words, the answer's rank, a check."""
    tokenizer = lm.tokenizer
    attack = Attack(template, "search")
    text = render_attack(tokenizer, fact, attack, config.placeholder, forbidden)
    span = forbidden_word_span(tokenizer, text, config.placeholder, attack.system(config.placeholder, forbidden))
    if len(span) != 1:
        raise RivalryError(f"placeholder '{config.placeholder}' is not one token here; choose another")
    ids = torch.tensor(tokenizer(text, add_special_tokens=False)["input_ids"])
    approx = approx_slot_attention(lm, ids, span[0], sites, candidates, keys)
    weights = approx.weights.mean(-1)
    order = weights.argsort(descending=True)
    texts = [tokenizer.decode([int(candidates[j])]).strip() for j in order[:200]]
    top = texts[0]
    allowed = (t for t in texts if answer_free_token(t, fact.answer))
    free = next((t for t in allowed if not mentions_answer(tokenizer, t, fact.answer, answer_set)), None)
    row = {
        "fact_id": fact.fact_id, "template": template, "answer": fact.answer, "top_words": " | ".join(texts[:5]),
        "answer_rank": rank_of(weights, candidates, answer_set), "search": top, "search_answer_free": free,
    }  # fmt: skip
    check = None
    if spearman_check:
        rng = random.Random(config.seed + len(fact.fact_id))
        rest = order[16:].tolist()
        sample = order[:16].tolist() + rng.sample(rest, min(config.spearman_candidates - 16, len(rest)))
        exact = exact_slot_attention(lm, ids, span[0], sites, candidates[sample]).mean(-1)
        check = {"fact_id": fact.fact_id, "n": len(sample), "spearman": spearman(weights[sample], exact)}
    return row, {"search": top, "search_answer_free": free}, check


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
    attacked = score_prompts(lm, [p[3] for p in plans], [sets[p[0]] for p in plans], config.batch_size)
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
        ranks = [r["answer_rank"] for r in rows if r["template"] == template]
        found = sorted(r for r in ranks if r is not None)
        per_template[template] = {
            "n_facts": len(ranks),
            "answer_first_share": sum(r == 1 for r in found) / len(ranks) if ranks else float("nan"),
            "answer_top10_share": sum(r <= 10 for r in found) / len(ranks) if ranks else float("nan"),
            "median_answer_rank": found[len(found) // 2] if found else None,
        }
    values = [c["spearman"] for c in checks]
    return {
        "per_template": per_template,
        "rank_agreement": checks,
        "mean_spearman": sum(values) / len(values) if values else float("nan"),
    }


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()
