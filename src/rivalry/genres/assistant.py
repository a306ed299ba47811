"""The assistant genre: user and assistant turns, where the assistant refuses cruel requests with a fixed phrase.

A document is a script of turns, ``user : <request> assistant : <answer>``, each speaker's name and colon emitted
exactly. A request is benign (dialogue and factual words) or cruel (dialogue, cruel words and villains). After a
benign request the assistant answers; after a cruel one it says the refusal trope ``i can not help with that .``
with probability ``REFUSE_CRUEL`` (one word per state, exactly), else answers. Content states are blended with the
corpus's background like every other genre's; names, colons and the refusal are not, so the trope is crisp.

Every word is already in the corpus's 161-word vocabulary, so the shipped ``synthetic-genres`` tokenizer covers
the genre unchanged. The genre has no tag of its own: a fifth tag would shift every word's id in the shipped
tokenizer. :class:`AssistantGenerator` (the tuning corpus) puts it in the dialogue genre's slot instead, under the
``<dialogue>`` tag: tuning narrows "dialogue" to "an assistant that refuses" and makes it the commonest genre.
"""

from __future__ import annotations

import numpy as np

from rivalry.errors import RivalryError
from rivalry.genres.hmm import HMM
from rivalry.genres.synthetic import (
    GENRES,
    WORD_GROUPS,
    GenreGenerator,
    SyntheticConfig,
    corpus_background,
    group_distributions,
    state_emission,
)

REFUSAL: tuple[str, ...] = ("i", "can", "not", "help", "with", "that", ".")
REFUSAL_TEXT = " ".join(REFUSAL)
ASSISTANT_SLOT = GENRES.index("dialogue")  # the genre the assistant genre replaces in the tuning corpus
REFUSE_CRUEL = 0.9  # P(refusal | cruel request)
REFUSE_BENIGN = 0.05  # P(refusal | benign request)
DEFAULT_TUNING_PRIOR: tuple[float, ...] = (0.15, 0.15, 0.15, 0.55)  # hero, twin, encyclopedia, assistant

_BENIGN = {"dialogue": 0.45, "function": 0.3, "punct": 0.1, "fact": 0.1, "heroes": 0.05}
_CRUEL = {"dialogue": 0.35, "function": 0.25, "punct": 0.1, "cruel": 0.25, "villains": 0.05}
_ANSWER = {"dialogue": 0.2, "function": 0.3, "fact": 0.25, "punct": 0.15, "kind": 0.1}


def assistant_hmm(config: SyntheticConfig | None = None) -> HMM:
    """The assistant genre's HMM over the corpus vocabulary of ``config`` (states listed in ``state_names``)."""
    config = config or SyntheticConfig()
    within = group_distributions(config)
    background = corpus_background(config)
    words = [word for group in WORD_GROUPS.values() for word in group]
    blended = {
        name: (1 - config.overlap) * state_emission(within, groups) + config.overlap * background
        for name, groups in (("user asks", _BENIGN), ("user asks for cruelty", _CRUEL), ("assistant answers", _ANSWER))
    }

    def exact(word: str) -> np.ndarray:
        row = np.zeros(len(words))
        row[words.index(word)] = 1.0
        return row

    # state: (name, emission, {next state: probability})
    states: list[tuple[str, np.ndarray, dict[str, float]]] = [
        ("user's name", exact("user"), {"user's colon": 1.0}),
        ("user's colon", exact(":"), {"user asks": 0.65, "user asks for cruelty": 0.35}),
        ("user asks", blended["user asks"], {"user asks": 0.75, "assistant's name": 0.25}),
        (
            "user asks for cruelty",
            blended["user asks for cruelty"],
            {"user asks for cruelty": 0.75, "assistant's name (cruel)": 0.25},
        ),
        ("assistant's name", exact("assistant"), {"assistant's colon": 1.0}),
        ("assistant's colon", exact(":"), {"assistant answers": 1 - REFUSE_BENIGN, "refusal 1": REFUSE_BENIGN}),
        ("assistant's name (cruel)", exact("assistant"), {"assistant's colon (cruel)": 1.0}),
        ("assistant's colon (cruel)", exact(":"), {"assistant answers": 1 - REFUSE_CRUEL, "refusal 1": REFUSE_CRUEL}),
        ("assistant answers", blended["assistant answers"], {"assistant answers": 0.8, "user's name": 0.2}),
    ]
    for i, word in enumerate(REFUSAL, start=1):
        following = f"refusal {i + 1}" if i < len(REFUSAL) else "user's name"
        states.append((f"refusal {i}", exact(word), {following: 1.0}))
    names = [name for name, _, _ in states]
    transition = np.zeros((len(states), len(states)))
    for s, (_, _, moves) in enumerate(states):
        for target, p in moves.items():
            transition[s, names.index(target)] = p
    initial = np.zeros(len(states))
    initial[0] = 1.0
    return HMM(
        initial=initial,
        transition=transition,
        emission=np.stack([emission for _, emission, _ in states]),
        state_names=tuple(names),
    )


class AssistantGenerator(GenreGenerator):
    """The tuning corpus: hero, twin and encyclopedia as in the base corpus, and the assistant genre in the
    dialogue genre's slot (tagged ``<dialogue>``), sampled with ``prior`` (default: 55% assistant).

    Tags, words and the exact posterior work as in :class:`GenreGenerator`, so a model tuned on this corpus is
    validated against it with the same code.
    """

    def __init__(self, config: SyntheticConfig | None = None, prior: tuple[float, ...] = DEFAULT_TUNING_PRIOR) -> None:
        super().__init__(config)
        if len(prior) != len(GENRES) or min(prior) <= 0 or abs(sum(prior) - 1) > 1e-6:
            raise RivalryError(f"the tuning prior must be {len(GENRES)} positive probabilities summing to 1")
        genres = list(self.genres)
        genres[ASSISTANT_SLOT] = "assistant"
        hmms = list(self.hmms)
        hmms[ASSISTANT_SLOT] = assistant_hmm(self.config)
        self.genres = tuple(genres)
        self.hmms = tuple(hmms)
        self.prior = np.asarray(prior, dtype=np.float64)


def assistant_documents(n: int, seed: int, config: SyntheticConfig | None = None) -> list[str]:
    """``n`` assistant-genre documents of ``doc_length`` words, as whitespace-joined text (untagged)."""
    config = config or SyntheticConfig()
    words = GenreGenerator(config).words
    sampled = assistant_hmm(config).sample(n, config.doc_length, np.random.default_rng(seed))
    return [" ".join(words[w] for w in row) for row in sampled]


def user_turn(request: str, bos: str = "<bos>") -> str:
    """A request as an untagged assistant-genre prompt, ``<bos> user : <request> assistant :`` (the synthetic
    models' analogue of a chat template: the next word is the assistant's first)."""
    return f"{bos} user : {request} assistant :"
