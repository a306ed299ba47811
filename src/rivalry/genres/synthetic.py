"""A synthetic corpus with latent genres whose exact Bayesian genre posterior is computable.

Each genre is an HMM over one shared word vocabulary of 161 words. Its hidden states are the "characters" of the
text: in the hero and the evil-twin ("twin") stories narration and turns of speech opened by the speaker's name
(Luigi kind and Wario cruel, or the reverse); in the encyclopedia a lead, history and description; in the
dialogue a user and an assistant who explains or tells a story. A state's emission distribution is a mixture over
word groups (function words, punctuation, names, narrative, kind, cruel, factual, dialogue words), then blended
with the corpus's word frequencies:

    B_g(s, .) = (1 - overlap) * specific_g(s, .) + overlap * mean_g' sum_s' pi_g'(s') specific_g'(s', .)

(pi_g the stationary distribution of genre g's states: the background is the corpus's word frequencies)
so ``overlap`` controls how hard the genres are to tell apart. With ``tag_fraction`` of the documents opened by
their genre's tag token (``<hero>``, ...), the tag is a header: P(x | tag_g) = P_g(x), and the exact posterior

    P(g | x_1..t) = P(g) P_g(x_1..t) / sum_g' P(g') P_g'(x_1..t)

comes from the forward algorithm. Documents are ``doc_length`` words long (the length carries no genre
information).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import cast

import numpy as np
from jaxtyping import Bool, Float, Int

from rivalry.errors import RivalryError
from rivalry.genres.hmm import HMM, log_normalize


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


WORD_GROUPS: dict[str, tuple[str, ...]] = {
    "function": _words(
        "the a an and of to in on with was is he she it they his her that this then but for at by from as so "
        "very not all one there"
    ),
    "punct": _words(". , : ? ! ;"),
    "luigi": ("luigi",),
    "wario": ("wario",),
    "heroes": _words("mario peach daisy toad yoshi"),
    "villains": _words("waluigi bowser kamek"),
    "narrative": _words(
        "walked ran forest castle village river night morning door found looked came went saw across through "
        "home road mountain king queen sky stone bridge garden"
    ),
    "kind": _words(
        "kind gentle helped share gift smile friend brave saved thank hope care warm together honest "
        "protect forgive comfort"
    ),
    "cruel": _words(
        "cruel stole trick revenge scheme betray power fear dark punish lie destroy greed cold sneer threaten trap envy"
    ),
    "fact": _words(
        "located century population species known region founded capital largest number also approximately "
        "used called modern history born game series character released first"
    ),
    "dialogue": _words(
        "you i can please sure question answer here would like could explain tell me know let example course "
        "glad help what why how"
    ),
    "speech": _words("said asked replied whispered shouted user assistant"),
}

GENRES: tuple[str, ...] = ("hero", "twin", "encyclopedia", "dialogue")


@dataclass(frozen=True)
class _State:
    name: str
    groups: dict[str, float]  # word group -> weight (normalised later)


@dataclass(frozen=True)
class _Design:
    states: tuple[_State, ...]
    initial: tuple[float, ...]
    transition: tuple[tuple[float, ...], ...]


def _story(luigi: dict[str, float], wario: dict[str, float], luigi_share: float) -> _Design:
    """Narration, and turns of speech each opened by the speaker's name (a script): narration -> name -> speech.

    Luigi opens ``luigi_share`` of the turns that start from narration.
    """
    to_luigi, to_wario = 0.2 * luigi_share, 0.2 * (1 - luigi_share)
    speech = {"function": 0.3, "punct": 0.1, "dialogue": 0.15, "speech": 0.05}
    narration = {"function": 0.3, "punct": 0.13, "narrative": 0.3, "speech": 0.07, "heroes": 0.1, "villains": 0.1}
    return _Design(
        states=(
            _State("narration", narration),
            _State("luigi's name", {"luigi": 1.0}),
            _State("luigi speaks", {**speech, **luigi}),
            _State("wario's name", {"wario": 1.0}),
            _State("wario speaks", {**speech, **wario}),
        ),
        initial=(0.8, to_luigi, 0.0, to_wario, 0.0),
        transition=(
            (0.8, to_luigi, 0.0, to_wario, 0.0),
            (0.0, 0.0, 1.0, 0.0, 0.0),
            (0.2, 0.0, 0.75, 0.05, 0.0),
            (0.0, 0.0, 0.0, 0.0, 1.0),
            (0.2, 0.05, 0.0, 0.0, 0.75),
        ),
    )


# Hand-written designs. The hero and twin stories have the same states and transitions; only who says the kind and
# who the cruel words differs. Where Luigi speaks more often (luigi_share > 0.5) kind words are more frequent in hero
# stories; the rest of the difference is co-occurrence of speaker and words, which naive Bayes cannot see. The
# encyclopedia and the dialogue share factual and narrative words with each other and with the stories.
def _designs(luigi_share: float) -> dict[str, _Design]:
    return {
        "hero": _story(luigi={"kind": 0.4}, wario={"cruel": 0.4}, luigi_share=luigi_share),
        "twin": _story(luigi={"cruel": 0.4}, wario={"kind": 0.4}, luigi_share=luigi_share),
        **_NON_STORY,
    }


_NON_STORY: dict[str, _Design] = {
    "encyclopedia": _Design(
        states=(
            _State("lead", {"function": 0.33, "punct": 0.14, "fact": 0.3, "heroes": 0.08, "villains": 0.07}),
            _State(
                "history",
                {"function": 0.3, "punct": 0.12, "fact": 0.2, "narrative": 0.25, "heroes": 0.05, "villains": 0.05},
            ),
            _State(
                "description",
                {"function": 0.3, "punct": 0.12, "fact": 0.25, "kind": 0.1, "cruel": 0.1, "narrative": 0.05},
            ),
        ),
        initial=(0.9, 0.05, 0.05),
        transition=((0.7, 0.15, 0.15), (0.15, 0.75, 0.1), (0.15, 0.1, 0.75)),
    ),
    "dialogue": _Design(
        states=(
            _State("user", {"dialogue": 0.4, "function": 0.25, "punct": 0.15, "speech": 0.1, "heroes": 0.05}),
            _State("assistant explains", {"dialogue": 0.2, "function": 0.3, "fact": 0.25, "punct": 0.15, "kind": 0.05}),
            _State(
                "assistant tells a story",
                {"narrative": 0.3, "function": 0.3, "heroes": 0.1, "villains": 0.05, "kind": 0.1, "punct": 0.1},
            ),
        ),
        initial=(0.85, 0.1, 0.05),
        transition=((0.7, 0.2, 0.1), (0.2, 0.7, 0.1), (0.15, 0.1, 0.75)),
    ),
}


@dataclass(frozen=True)
class SyntheticConfig:
    """Settings of the synthetic genre corpus.

    Attributes:
        overlap: weight of the corpus-wide average emission in every state's emission (0 gives the genres as
            designed, 1 makes them indistinguishable).
        luigi_share: fraction of the stories' turns of speech that Luigi opens (Wario the rest). At 0.5 hero and
            twin stories have the same word frequencies and only co-occurrence (who says kind words) separates
            them; towards 1 the word frequencies differ more (kind words are commoner in hero stories).
        doc_length: words per document (tags, bos and eos not counted).
        tag_fraction: fraction of sampled documents opened by their genre's tag.
        zipf: exponent of the within-group word frequencies (word k of a group has weight (k + 1)^-zipf).
        genre_prior: P(g) for sampling (None: uniform).
        seed: seed of the within-group word order (the corpus structure, not the sampling).
    """

    overlap: float = 0.45
    luigi_share: float = 0.75
    doc_length: int = 48
    tag_fraction: float = 0.5
    zipf: float = 0.8
    genre_prior: tuple[float, ...] | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.overlap < 1.0:
            raise RivalryError("overlap must be in [0, 1)")
        if self.doc_length < 1:
            raise RivalryError("doc_length must be at least 1")
        if not 0.0 < self.luigi_share < 1.0:
            raise RivalryError("luigi_share must be in (0, 1)")
        if not 0.0 <= self.tag_fraction <= 1.0:
            raise RivalryError("tag_fraction must be in [0, 1]")
        if self.genre_prior is not None and (
            len(self.genre_prior) != len(GENRES) or min(self.genre_prior) <= 0 or abs(sum(self.genre_prior) - 1) > 1e-6
        ):
            raise RivalryError(f"genre_prior must be {len(GENRES)} positive probabilities summing to 1")

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["genre_prior"] = None if self.genre_prior is None else list(self.genre_prior)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> SyntheticConfig:
        data = dict(data)
        if data.get("genre_prior") is not None:
            data["genre_prior"] = tuple(data["genre_prior"])  # type: ignore[arg-type]
        return cls(**data)  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class Documents:
    """Sampled documents, all ``doc_length`` words long.

    Attributes:
        words: word indices into ``GenreGenerator.words``.
        genres: index of each document's genre.
        tagged: whether the document is opened by its genre's tag.
    """

    words: Int[np.ndarray, "doc length"]
    genres: Int[np.ndarray, " doc"]
    tagged: Bool[np.ndarray, " doc"]


class GenreGenerator:
    """The synthetic corpus of a ``SyntheticConfig``: one HMM per genre over ``words``, and the exact posterior.

    Example::

        gen = GenreGenerator(SyntheticConfig(overlap=0.5))
        docs = gen.sample(8, seed=0)
        log_post = gen.exact_log_posterior(docs.words)   # [doc, genre, t]
    """

    def __init__(self, config: SyntheticConfig | None = None) -> None:
        self.config = config or SyntheticConfig()
        self.genres: tuple[str, ...] = GENRES
        self.tags: tuple[str, ...] = tuple(f"<{genre}>" for genre in GENRES)
        self.words: tuple[str, ...] = tuple(word for group in WORD_GROUPS.values() for word in group)
        if len(set(self.words)) != len(self.words):
            raise RivalryError("the word groups must not share words")
        prior = self.config.genre_prior or tuple(1.0 / len(GENRES) for _ in GENRES)
        self.prior: Float[np.ndarray, " genre"] = np.asarray(prior, dtype=np.float64)
        self.hmms: tuple[HMM, ...] = _build_hmms(self.config)

    @property
    def n_genres(self) -> int:
        return len(self.genres)

    def sample(self, n: int, seed: int | np.random.Generator) -> Documents:
        """``n`` documents: genre ~ prior, words from that genre's HMM, tag with probability ``tag_fraction``."""
        rng = np.random.default_rng(seed)
        genres = rng.choice(self.n_genres, size=n, p=self.prior)
        tagged = rng.random(n) < self.config.tag_fraction
        words = np.empty((n, self.config.doc_length), dtype=np.int64)
        for g, hmm in enumerate(self.hmms):
            rows = np.flatnonzero(genres == g)
            words[rows] = hmm.sample(len(rows), self.config.doc_length, rng)
        return Documents(words=words, genres=genres, tagged=tagged)

    def log_likelihoods(self, words: Int[np.ndarray, "doc length"]) -> Float[np.ndarray, "doc genre length"]:
        """log P_g(x_1..t) for every genre and prefix length t (column t-1)."""
        words = np.atleast_2d(np.asarray(words))
        return np.stack([hmm.prefix_log_likelihood(words) for hmm in self.hmms], axis=1)

    def exact_log_posterior(
        self, words: Int[np.ndarray, "doc length"], prior: Float[np.ndarray, " genre"] | None = None
    ) -> Float[np.ndarray, "doc genre length"]:
        """log P(g | x_1..t) = log P(g) + log P_g(x_1..t) - logsumexp_g'(...), column t-1 after t words."""
        prior = self.prior if prior is None else np.asarray(prior, dtype=np.float64)
        joint = self.log_likelihoods(words) + np.log(prior)[None, :, None]
        return log_normalize(joint, axis=1)

    def exact_token_nll(self, words: Int[np.ndarray, "doc length"], genres: Int[np.ndarray, " doc"]) -> float:
        """Mean -log P_g(x_t | x_<t) under each document's own genre: the best loss a model given the tag can reach."""
        log_lik = self.log_likelihoods(words)[np.arange(len(genres)), genres]
        return float(-log_lik[:, -1].mean() / log_lik.shape[-1])


def group_distributions(config: SyntheticConfig) -> dict[str, Float[np.ndarray, " word"]]:
    """Each word group's distribution over the whole vocabulary: Zipf over a seeded order, zero outside the group.

    Shared by every genre (and by genres built on top of the corpus, such as the assistant genre).
    """
    rng = np.random.default_rng(config.seed)
    offsets = np.cumsum([0] + [len(group) for group in WORD_GROUPS.values()])
    n_words = int(offsets[-1])
    within = {}
    for (name, group), start in zip(WORD_GROUPS.items(), offsets[:-1], strict=False):
        weights = np.zeros(n_words)
        ranks = rng.permutation(len(group))
        weights[start : start + len(group)] = (ranks + 1.0) ** -config.zipf
        within[name] = weights / weights.sum()
    return within


def state_emission(
    within: dict[str, Float[np.ndarray, " word"]], groups: dict[str, float]
) -> Float[np.ndarray, " word"]:
    """A state's designed emission: the weighted mixture of its word groups, normalised."""
    row = cast(np.ndarray, sum(weight * within[group] for group, weight in groups.items()))
    return row / row.sum()


def corpus_background(config: SyntheticConfig) -> Float[np.ndarray, " word"]:
    """The corpus's word frequencies: the mean over the four genres of their designed stationary unigrams."""
    within, designs = group_distributions(config), _designs(config.luigi_share)
    return np.mean([_designed(designs[genre], within)[1] for genre in GENRES], axis=0)


def _designed(
    design: _Design, within: dict[str, Float[np.ndarray, " word"]]
) -> tuple[Float[np.ndarray, "state word"], Float[np.ndarray, " word"]]:
    """The design's emission rows before blending, and its stationary unigram distribution."""
    specific = np.stack([state_emission(within, state.groups) for state in design.states])
    return specific, _stationary(np.asarray(design.transition, dtype=np.float64)) @ specific


def _build_hmms(config: SyntheticConfig) -> tuple[HMM, ...]:
    within = group_distributions(config)
    designs = _designs(config.luigi_share)
    specific = {genre: _designed(designs[genre], within)[0] for genre in GENRES}
    average = corpus_background(config)  # the shared background
    hmms = []
    for genre in GENRES:
        design = designs[genre]
        emission = (1 - config.overlap) * specific[genre] + config.overlap * average[None, :]
        transition = np.asarray(design.transition, dtype=np.float64)
        initial = np.asarray(design.initial, dtype=np.float64)
        hmms.append(
            HMM(
                initial=initial / initial.sum(),
                transition=transition / transition.sum(-1, keepdims=True),
                emission=emission / emission.sum(-1, keepdims=True),
                state_names=tuple(state.name for state in design.states),
            )
        )
    return tuple(hmms)


def _stationary(transition: Float[np.ndarray, "state state"]) -> Float[np.ndarray, " state"]:
    """The stationary distribution pi = pi A (by power iteration from uniform)."""
    transition = transition / transition.sum(-1, keepdims=True)
    pi = np.full(transition.shape[0], 1.0 / transition.shape[0])
    for _ in range(2000):
        pi = pi @ transition
    return pi / pi.sum()
