"""Per fact and template: the vocabulary searches at the attack slot, and the shortlist that gets measured exactly.

Two searches run over every word candidate put in the template's slot (the slot first holds a placeholder):

* the **attention search** (the QK approximation of :func:`rivalry.circuits.search.approx_slot_attention`, read
  from the same pass): the mean attention the heads give the slot; it says what the heads look at;
* the **suppression search** (:func:`rivalry.circuits.suppression_search.slot_suppression`): the predicted change
  of the answer's log10 odds through the heads' direct paths; it says what the heads look at *and* write
  against the answer, which is what an attack needs.

Candidate tokens that read the same once stripped (``" France"`` and ``"France"``) become one word, keeping its
best prediction. The best ``shortlist`` words of the suppression search, and the best ``shortlist`` words that
are answer-free (:func:`rivalry.circuits.attack.answer_free_token` and no answer token), are then inserted for real
and measured (:func:`shortlist_prompts`, scored by :mod:`rivalry.experiments.attack.run`): the search's final
ranking is by measured effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from jaxtyping import Int
from torch import Tensor

from rivalry.circuits.attack import Attack, answer_free_token, mentions_answer, render_attack
from rivalry.circuits.attention import forbidden_word_span
from rivalry.circuits.search import rank_of, spearman
from rivalry.circuits.suppression_search import CandidateVectors, slot_suppression
from rivalry.core.vocabulary import VocabularyIndex, normalise
from rivalry.errors import RivalryError
from rivalry.facts.dataset import Fact
from rivalry.models.model import Model


def word_candidates(vocab: VocabularyIndex) -> Int[Tensor, " n"]:
    """Search candidates: tokens whose stripped text is alphabetic with at least two letters (insertable words)."""
    return torch.tensor([i for i, t in enumerate(vocab.texts) if len(t.strip()) > 1 and t.strip().isalpha()])


@dataclass
class SlotSearch:
    """The searches of one fact under one template.

    Attributes:
        attention_words: the words the heads attend to most, best first.
        attention_rank: rank of the answer among all candidates by attention (1-based; None: not a candidate).
        predicted_rank: rank of the answer among all candidates by predicted suppression.
        shortlist: words to measure exactly, with their predicted effect (log10 odds), most suppressive first.
        answer_words: the shortlisted words that are the answer (a token of its equivalence set).
        free_words: the shortlisted words an answer-free attack may insert.
        measured: measured effect (log10 odds) of each shortlisted word, filled in after :func:`shortlist_prompts`.
    """

    fact: Fact
    template: str
    forbidden: str
    attention_words: list[str]
    attention_rank: int | None
    predicted_rank: int | None
    shortlist: dict[str, float]
    answer_words: set[str]
    free_words: set[str]
    measured: dict[str, float] = field(default_factory=dict)

    def ranked(self) -> list[str]:
        """Shortlisted words by measured effect, most suppressive first (ties: predicted order)."""
        return sorted(self.measured, key=lambda w: (self.measured[w], self.shortlist[w]))

    @property
    def answer_rank(self) -> int | None:
        """Rank of the first answer word among the measured shortlist (None: no answer word was shortlisted)."""
        ranked = self.ranked()
        return next((i + 1 for i, w in enumerate(ranked) if w in self.answer_words), None)

    @property
    def best(self) -> str | None:
        ranked = self.ranked()
        return ranked[0] if ranked else None

    @property
    def best_answer_free(self) -> str | None:
        return next((w for w in self.ranked() if w in self.free_words), None)

    def prediction_agreement(self) -> float:
        """Spearman correlation of predicted and measured effects over the shortlist."""
        words = list(self.measured)
        predicted = torch.tensor([self.shortlist[w] for w in words])
        return spearman(predicted, torch.tensor([self.measured[w] for w in words]))


def _words_by_score(
    tokenizer, candidates: Int[Tensor, " n"], order: Int[Tensor, " n"], scores: Tensor, limit: int
) -> list[tuple[str, int, float]]:
    """Distinct stripped words in ``order`` (first occurrence wins), with their token id and score."""
    seen, words = set(), []
    for j in order.tolist():
        token = int(candidates[j])
        word = tokenizer.decode([token]).strip()
        key = normalise(word)
        if key in seen:
            continue
        seen.add(key)
        words.append((word, token, float(scores[j])))
        if len(words) >= limit:
            break
    return words


def search_slot(
    lm: Model,
    fact: Fact,
    forbidden: str,
    answer_set: Sequence[int],
    template: str,
    vectors: CandidateVectors,
    placeholder: str,
    shortlist: int,
    scan: int = 400,
) -> SlotSearch:
    """Both searches for one fact and template, and the shortlist of words to measure."""
    tokenizer = lm.tokenizer
    attack = Attack(template, "search")
    text = render_attack(tokenizer, fact, attack, placeholder, forbidden)
    span = forbidden_word_span(tokenizer, text, placeholder, attack.system(placeholder, forbidden))
    if len(span) != 1:
        raise RivalryError(f"placeholder '{placeholder}' is not one token here; choose another")
    ids = torch.tensor(tokenizer(text, add_special_tokens=False)["input_ids"])
    candidates = vectors.candidates
    suppression = slot_suppression(lm, ids, span[0], answer_set, vectors)
    weights, total = suppression.weights.mean(-1), suppression.total
    attention_words = _words_by_score(tokenizer, candidates, weights.argsort(descending=True), weights, 5)
    ranked = _words_by_score(tokenizer, candidates, total.argsort(), total, scan)

    def is_answer(word: str, token: int) -> bool:
        return token in set(answer_set) or normalise(word) == normalise(fact.answer)

    def is_free(word: str) -> bool:
        return answer_free_token(word, fact.answer) and not mentions_answer(tokenizer, word, fact.answer, answer_set)

    best = ranked[:shortlist]
    free = [w for w in ranked if is_free(w[0])][:shortlist]
    chosen = {w: score for w, _, score in [*best, *free]}
    return SlotSearch(
        fact=fact,
        template=template,
        forbidden=forbidden,
        attention_words=[w for w, _, _ in attention_words],
        attention_rank=rank_of(weights, candidates, answer_set),
        predicted_rank=rank_of(-total, candidates, answer_set),
        shortlist=chosen,
        answer_words={w for w, token, _ in best if is_answer(w, token)},
        free_words={w for w, _, _ in free},
    )


def shortlist_prompts(lm: Model, searches: Sequence[SlotSearch]) -> list[tuple[int, str, str]]:
    """``(search index, word, attacked prompt)`` for every shortlisted word of every search."""
    plans = []
    for i, search in enumerate(searches):
        attack = Attack(search.template, "search")
        for word in search.shortlist:
            plans.append((i, word, render_attack(lm.tokenizer, search.fact, attack, word, search.forbidden)))
    return plans
