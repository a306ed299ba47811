"""``rivalry attack``: search the heads' preferred words, build attacks from them, evaluate and rank them.

Per kept fact and template, the vocabulary searches at the template's slot (:mod:`rivalry.circuits.attack_search`)
give the words to insert; every attack (:func:`rivalry.circuits.attack.all_attacks`) is then scored on the fact's
non-competing prompt against the clean prompt. The result carries every search and every attacked prompt.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import torch
from tqdm.auto import tqdm

from rivalry.circuits.attack import (
    BASELINE_TEMPLATE,
    Attack,
    Scored,
    all_attacks,
    mentions_answer,
    render_attack,
    score_prompts,
)
from rivalry.circuits.attack_search import SlotSearch, search_slot, shortlist_prompts, word_candidates
from rivalry.circuits.attention import forbidden_word_span
from rivalry.circuits.measures import HeadStatistics, head_statistics, measure_heads, usable_facts
from rivalry.circuits.ov import answer_token_subset
from rivalry.circuits.search import approx_slot_attention, exact_slot_attention, spearman
from rivalry.circuits.suppression_search import CandidateVectors, candidate_vectors
from rivalry.core.sites import Site
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.experiments.attack.config import AttackConfig
from rivalry.experiments.attack.result import AttackResult, AttackRow, RankAgreement, SearchRow, ShortlistWord
from rivalry.experiments.base import Result, fingerprint, provenance_of
from rivalry.experiments.heads.select import heads_from_result, top_heads
from rivalry.facts.dataset import Fact, load_irrelevant_words
from rivalry.models.model import Model, as_model
from rivalry.prompts.facts import FactPrompts, build_fact_prompts

KIND = AttackResult.KIND


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def run(
    model: Model,
    config: AttackConfig | None = None,
    heads_from: Result | None = None,
    *,
    heads_from_dir: str | None = None,
    progress: bool = True,
) -> AttackResult:
    """Run the searches and the attacks on ``model``.

    The heads are the most suppressive heads of ``heads_from`` (a forbidden-facts or heads result) when given,
    else the best suppressors on ``config.selection_facts`` facts of ``config.selection_split``.
    ``heads_from_dir`` names where ``heads_from`` was loaded from (recorded, informative).
    """
    model = as_model(model)
    config = config or AttackConfig()
    chosen = None if heads_from is None else heads_from_result(heads_from, config.n_heads)
    tokenizer = model.tokenizer
    vocab = VocabularyIndex(tokenizer, model.anatomy.vocab_size)
    facts = usable_facts(config.split, vocab)
    facts = facts[: config.limit] if config.limit else facts
    words = load_irrelevant_words()
    clean = [build_fact_prompts(tokenizer, f, words) for f in facts]
    sets = [vocab.token_set(f.answer) for f in facts]
    scored = score_prompts(model, [c.nc_irrelevant for c in clean], sets, config.batch_size)
    keep = [i for i, p in enumerate(scored.p_answer) if p > config.min_clean_probability]
    if not keep:
        raise RivalryError(f"no fact's clean p(answer) exceeds {config.min_clean_probability}; lower it")
    sites, head_stats = _heads(model, config, vocab, words, chosen)
    candidates = word_candidates(vocab)
    vectors = candidate_vectors(model, sites, candidates)
    searches, fact_index = [], []
    for i in tqdm(keep, desc="vocabulary search", unit="fact", leave=False, disable=not progress):
        for template in config.templates:
            searches.append(
                search_slot(
                    model, facts[i], clean[i].irrelevant_word, sets[i], template, vectors, config.placeholder,
                    config.shortlist,
                )
            )  # fmt: skip
            fact_index.append(i)
    plans = shortlist_prompts(model, searches)
    measured = score_prompts(
        model, [p[2] for p in plans], [sets[fact_index[p[0]]] for p in plans], config.batch_size,
        "shortlist" if progress else None,
    )  # fmt: skip
    for (s, word, _), lo in zip(plans, measured.log_odds, strict=True):
        searches[s].measured[word] = lo - scored.log_odds[fact_index[s]]
    checks = tuple(
        _attention_check(model, config, facts[i], clean[i].irrelevant_word, sites, vectors)
        for i in keep[: config.spearman_facts]
    )
    insertions = {
        (s.fact.fact_id, s.template): {
            "search": s.best, "search_answer_free": s.best_answer_free, "attention": s.attention_words[0],
        }
        for s in searches
    }  # fmt: skip
    rows = _evaluate(model, config, facts, clean, sets, scored, keep, insertions, progress)
    stamp = fingerprint(KIND, config, {"model": model})
    stamp["heads_from"] = None if heads_from is None else dict(heads_from.fingerprint)
    return AttackResult(
        config=config,
        provenance=provenance_of({"model": model}),
        fingerprint=stamp,
        n_facts_total=len(facts),
        n_facts_attacked=len(keep),
        heads=tuple(sites),
        head_statistics=head_stats,
        n_candidates=int(candidates.shape[0]),
        rank_agreement=checks,
        searches=tuple(_search_row(s) for s in searches),
        rows=tuple(rows),
        heads_from_dir=None if heads_from is None else heads_from_dir,
    )


def _heads(
    model: Model, config: AttackConfig, vocab: VocabularyIndex, words: Sequence[str], chosen: list[Site] | None
) -> tuple[list[Site], tuple[HeadStatistics, ...]]:
    """The heads (``chosen``, else the best suppressors on the selection split) and their statistics there."""
    facts = usable_facts(config.selection_split, vocab)
    prompts = [build_fact_prompts(model.tokenizer, f, words) for f in facts[: config.selection_facts]]
    measures = measure_heads(model, prompts, answer_token_subset(model.tokenizer, facts, vocab))
    sites = chosen if chosen is not None else top_heads(measures.scores, config.n_heads)
    return sites, head_statistics(measures, sites, model.tokenizer, n_tokens=5)


def _attention_check(
    model: Model, config: AttackConfig, fact: Fact, forbidden: str, sites: list[Site], vectors: CandidateVectors
) -> RankAgreement:
    """Rank agreement of the approximate and the exact attention search on a sample of candidates (one fact)."""
    tokenizer, candidates = model.tokenizer, vectors.candidates
    attack = Attack(BASELINE_TEMPLATE, "search")
    text = render_attack(tokenizer, fact, attack, config.placeholder, forbidden)
    slot = forbidden_word_span(tokenizer, text, config.placeholder, attack.system(config.placeholder, forbidden))[0]
    ids = torch.tensor(tokenizer(text, add_special_tokens=False)["input_ids"])
    weights = approx_slot_attention(model, ids, slot, sites, candidates, vectors.keys).weights.mean(-1)
    order = weights.argsort(descending=True)
    rng = random.Random(config.seed + len(fact.fact_id))
    rest = order[16:].tolist()
    sample = order[:16].tolist() + rng.sample(rest, min(config.spearman_candidates - 16, len(rest)))
    exact = exact_slot_attention(model, ids, slot, sites, candidates[sample]).mean(-1)
    return RankAgreement(fact.fact_id, len(sample), _finite(spearman(weights[sample], exact)))


def _search_row(search: SlotSearch) -> SearchRow:
    """The typed record of one search, its shortlist in measured order with predicted and measured effects."""
    return SearchRow(
        fact_id=search.fact.fact_id, template=search.template, answer=search.fact.answer,
        attention_words=tuple(search.attention_words), answer_rank_attention=search.attention_rank,
        answer_rank_predicted=search.predicted_rank, answer_rank=search.answer_rank,
        shortlist=tuple(ShortlistWord(w, search.shortlist[w], search.measured[w]) for w in search.ranked()),
        search=search.best, search_answer_free=search.best_answer_free,
        prediction_spearman=_finite(search.prediction_agreement()),
    )  # fmt: skip


def _evaluate(
    model: Model,
    config: AttackConfig,
    facts: list[Fact],
    clean: list[FactPrompts],
    sets: list[list[int]],
    scored: Scored,
    keep: list[int],
    insertions: dict[tuple[str, str], dict[str, str | None]],
    progress: bool,
) -> list[AttackRow]:
    """Score every attack on every kept fact (one batched pass over all attacked prompts)."""
    tokenizer = model.tokenizer
    plans = []
    for i in keep:
        fact, forbidden = facts[i], clean[i].irrelevant_word
        for attack in all_attacks(config.templates):
            word: str | None
            if attack.source == "answer":
                word = fact.answer
            elif attack.source == "wrong_answer":
                word = fact.wrong_answer
            else:
                word = insertions[(fact.fact_id, attack.template)][attack.source]
            if word:
                plans.append((i, attack, word, render_attack(tokenizer, fact, attack, word, forbidden)))
    attacked = score_prompts(
        model, [p[3] for p in plans], [sets[p[0]] for p in plans], config.batch_size, "attacks" if progress else None
    )
    rows = []
    for j, (i, attack, word, text) in enumerate(plans):
        rows.append(
            AttackRow(
                attack=attack.name, template=attack.template, source=attack.source,
                fact_id=facts[i].fact_id, answer=facts[i].answer, insertion=word,
                mentions_answer=mentions_answer(tokenizer, word, facts[i].answer, sets[i]),
                prompt_clean=clean[i].nc_irrelevant, prompt_attacked=text,
                p_clean=scored.p_answer[i], p_attacked=attacked.p_answer[j],
                lo_clean=scored.log_odds[i], lo_attacked=attacked.log_odds[j],
                effect_log10=attacked.log_odds[j] - scored.log_odds[i],
                top1_clean=str(tokenizer.decode([scored.top1[i]])),
                top1_attacked=str(tokenizer.decode([attacked.top1[j]])),
                top1_changed=scored.top1[i] != attacked.top1[j],
            )
        )  # fmt: skip
    return rows
