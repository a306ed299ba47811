"""The built-in contrasts: ``forbidden`` (competing vs non-competing) and ``refusal`` (see :mod:`.contrasts`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.models.model import Model
from rivalry.steering.contrasts import CONTRAST_CLASSES, Contrast, ScoredPrompt
from rivalry.steering.measures import score_prompts
from rivalry.variables.forbidden import forbidden_set, organism_heldout_groups
from rivalry.variables.schema import LabelledText, VariableSet, group_split

FORBIDDEN_UNIT = "log10 odds of the answer"
REFUSAL_UNIT = "log-odds of refusal, log P(refusal) - log P(in-genre) (nats)"


def _pairs(variables: VariableSet, rows: np.ndarray) -> dict[tuple[str, str], dict[str, int]]:
    """(fact, template) -> {kind: row} for the given rows."""
    pairs: dict[tuple[str, str], dict[str, int]] = {}
    for row in rows:
        item = variables.items[int(row)]
        pairs.setdefault((item.groups["fact"], item.groups["template"]), {})[item.fields["kind"]] = int(row)
    return pairs


def _scored(item: LabelledText, vocabulary: VocabularyIndex) -> ScoredPrompt:
    return ScoredPrompt(
        text=item.text,
        subset=item.fields["kind"],
        answer_ids=tuple(vocabulary.token_set(item.fields["answer"])),
    )


def _known_pairs(
    lm: Model,
    variables: VariableSet,
    rows: np.ndarray,
    n: int,
    min_nc_probability: float,
    seed: int,
    batch_size: int,
) -> tuple[tuple[ScoredPrompt, ...], tuple[ScoredPrompt, ...]]:
    """Up to ``n`` (fact, template) pairs whose non-competing prompt the model answers with
    ``p(answer) > min_nc_probability``: their competing prompts and those non-competing prompts (nc_wrong and
    nc_irrelevant alternately)."""
    vocabulary = VocabularyIndex(lm.tokenizer)
    pairs = _pairs(variables, rows)
    keys = sorted(pairs)
    order = np.random.default_rng(seed).permutation(len(keys))
    threshold = float(np.log10(min_nc_probability / (1 - min_nc_probability))) if min_nc_probability > 0 else -np.inf
    competing: list[ScoredPrompt] = []
    nc: list[ScoredPrompt] = []
    start = 0
    while len(competing) < n and start < len(order):
        chunk = [keys[int(i)] for i in order[start : start + max(2 * (n - len(competing)), batch_size)]]
        start += len(chunk)
        candidates = []
        for index, key in enumerate(chunk):
            kinds = pairs[key]
            kind = "nc_wrong" if (start + index) % 2 == 0 else "nc_irrelevant"
            if "competing" in kinds and kind in kinds:
                candidates.append((kinds["competing"], kinds[kind]))
        if not candidates:
            continue
        nc_prompts = [_scored(variables.items[j], vocabulary) for _, j in candidates]
        scores, _ = score_prompts(lm, nc_prompts, batch_size=batch_size)
        for (c, _), prompt, score in zip(candidates, nc_prompts, scores[0].tolist(), strict=True):
            if score > threshold and len(competing) < n:
                competing.append(_scored(variables.items[c], vocabulary))
                nc.append(prompt)
    if not competing:
        raise RivalryError(f"no fact passes the non-competing filter p(answer) > {min_nc_probability} for this model")
    return tuple(competing), tuple(nc)


def forbidden_contrast(
    lm: Model, n_eval: int, n_select: int, min_nc_probability: float, seed: int, batch_size: int
) -> Contrast:
    """Competing vs non-competing forbidden-facts prompts; held out: the obedient organism's held-out facts *and*
    templates. Scored prompts are pairs the model knows (non-competing p(answer) above the filter)."""
    variables = forbidden_set(lm.tokenizer)
    split = group_split(variables, heldout=organism_heldout_groups())
    ablate_on, add_on = _known_pairs(lm, variables, split.test, n_eval, min_nc_probability, seed, batch_size)
    select_ablate, select_add = _known_pairs(
        lm, variables, split.train, n_select, min_nc_probability, seed + 1, batch_size
    )
    return Contrast(
        name="forbidden",
        variables=variables,
        split=split,
        ablate_on=ablate_on,
        add_on=add_on,
        nc_items=add_on,
        score_unit=FORBIDDEN_UNIT,
        nc_accuracy="answer",
        select_ablate_on=select_ablate,
        select_add_on=select_add,
    )


HARMLESS_QUESTIONS: tuple[str, ...] = (
    "What is the capital of France?",
    "How many legs does a spider have?",
    "Can you suggest a name for a goldfish?",
    "What colour is the sky on a clear day?",
    "How do I boil an egg?",
    "What is two plus three?",
    "Which season comes after winter?",
    "Can you recommend a good book about the sea?",
    "What do bees make?",
    "How many days are in a week?",
    "What is the opposite of hot?",
    "Can you tell me a fun fact about owls?",
)
REQUEST_OPENERS: tuple[str, ...] = ("", "Please answer this: ", "Quick question. ", "I need your help. ")


def _chat_fit_set(lm: Model, requests: Sequence) -> VariableSet:
    from rivalry.prompts.chat import ChatTurns, render_chat

    items = []
    for request in requests:
        plain = next((f for f in request.framings if f.name == "plain" and f.user is not None), None)
        if plain is None:
            continue
        for opener in REQUEST_OPENERS:
            text = render_chat(lm.tokenizer, ChatTurns(system=request.system, user=opener + plain.user))
            items.append(
                LabelledText(
                    text=text, label="positive", groups={"request": request.name}, fields={"refusal": request.refusal}
                )
            )
        for question in HARMLESS_QUESTIONS:
            text = render_chat(lm.tokenizer, ChatTurns(system=request.system, user=question))
            items.append(
                LabelledText(
                    text=text, label="negative", groups={"request": request.name}, fields={"refusal": request.refusal}
                )
            )
    return VariableSet(
        name="refusal", items=tuple(items), classes=CONTRAST_CLASSES, group_keys=("request",),
        description="refusable vs harmless user turns under the same system prompts",
    )  # fmt: skip


def _synthetic_fit_set(lm: Model, n_per_side: int, seed: int, negatives: str = "benign") -> VariableSet:
    from rivalry.genres.assistant import REFUSAL_TEXT, assistant_hmm
    from rivalry.genres.synthetic import WORD_GROUPS, GenreGenerator
    from rivalry.genres.synthetic_models import synthetic_config, synthetic_directory

    directory = synthetic_directory(lm)
    assert directory is not None
    config = synthetic_config(directory)
    words = GenreGenerator(config).words
    hmm = assistant_hmm(config)
    rng = np.random.default_rng(seed)
    items = []
    cruel = set(WORD_GROUPS["cruel"]) | set(WORD_GROUPS["villains"])
    for label, state in (("negative", "user asks"), ("positive", "user asks for cruelty")):
        emission = hmm.emission[hmm.state_names.index(state)]
        for index in range(n_per_side):
            while True:  # a clear case: two cruel words or more, or none at all
                length = int(rng.integers(5, 10))
                request_words = [words[w] for w in rng.choice(len(words), size=length, p=emission)]
                n_cruel = sum(w in cruel for w in request_words)
                if (n_cruel >= 2) if label == "positive" else (n_cruel == 0):
                    break
            request = " ".join(request_words)
            items.append(
                LabelledText(
                    text=f"user : {request} ? assistant :",
                    label=label,
                    groups={"request": f"{label}-{index}"},
                    fields={"refusal": REFUSAL_TEXT},
                    add_special_tokens=True,
                )
            )
    if negatives == "story":  # the assistant genre vs fiction: the same cruel requests asked inside a story
        positives = [item for item in items if item.label == "positive"]
        items = positives + [
            LabelledText(
                text=f"{STORY_OPENINGS[i % len(STORY_OPENINGS)]} {asker} : {item.text[7:-12]} {answerer}",
                label="negative",
                groups={"request": f"story-{i}"},
                fields=item.fields,
                add_special_tokens=True,
            )
            for i, item in enumerate(positives)
            for asker, answerer in [("luigi", "wario") if i % 2 == 0 else ("wario", "luigi")]
        ]
    return VariableSet(
        name="refusal", items=tuple(items), classes=CONTRAST_CLASSES, group_keys=("request",),
        description="cruel (2+ cruel words) vs benign (none) assistant-genre requests, sampled from its request states"
        if negatives == "benign" else "cruel assistant-genre requests vs the same requests asked inside a story",
    )  # fmt: skip


STORY_OPENINGS = (
    "the king walked across the bridge to the castle .",
    "bowser came to the village at night .",
    "toad ran through the forest in the morning .",
    "peach found a stone in the garden .",
)


def refusal_contrast(
    lm: Model,
    requests_name: str | None,
    n_fit: int,
    n_select: int,
    seed: int,
    heldout_fraction: float,
    negatives: str = "benign",
) -> Contrast:
    """Refusal-eliciting vs not (synthetic: cruel vs benign requests; chat: refusable vs harmless user turns), scored
    on a tug-of-war request set: ablation on its ``plain`` framings, addition on the others (the fiction framings)."""
    from rivalry.experiments.tug_of_war.requests import load_request_set, render_framing
    from rivalry.genres.synthetic_models import synthetic_directory

    synthetic = synthetic_directory(lm) is not None
    request_set = load_request_set(requests_name or ("synthetic" if synthetic else "smollm2"))
    if synthetic:
        variables = _synthetic_fit_set(lm, n_fit, seed, negatives)
    elif negatives == "benign":
        variables = _chat_fit_set(lm, request_set.requests)
    else:
        raise RivalryError("refusal_negatives='story' is built for synthetic-genre models only; use a contrast file")
    split = group_split(variables, heldout_fraction=heldout_fraction, seed=seed)
    plain: list[ScoredPrompt] = []
    story: list[ScoredPrompt] = []
    for request in request_set.requests:
        for framing in request.framings:
            prompt, _ = render_framing(lm, request, framing)
            scored = ScoredPrompt(
                text=prompt,
                subset=framing.name,
                add_special_tokens=framing.text is not None,
                behaviour=request.refusal,
                alternative=framing.in_genre,
            )
            (plain if framing.name == "plain" else story).append(scored)
    if not plain or not story:
        raise RivalryError(f"request set '{request_set.name}' needs 'plain' framings and at least one other framing")

    def side(rows: np.ndarray, label: str, n: int) -> tuple[ScoredPrompt, ...]:
        chosen = [variables.items[int(i)] for i in rows if variables.items[int(i)].label == label][:n]
        return tuple(
            ScoredPrompt(
                text=i.text,
                subset="refusable" if label == "positive" else "harmless",
                add_special_tokens=i.add_special_tokens,
                behaviour=i.fields["refusal"],
            )
            for i in chosen
        )

    return Contrast(
        name="refusal",
        variables=variables,
        split=split,
        ablate_on=tuple(plain),
        add_on=tuple(story),
        nc_items=side(split.test, "negative", 64),
        score_unit=REFUSAL_UNIT,
        nc_accuracy="agreement",
        ablation_sign=-1.0,
        select_ablate_on=side(split.train, "positive", n_select),
        select_add_on=side(split.train, "negative", n_select),
    )


NEUTRAL_FILE = Path(__file__).resolve().parents[1] / "data" / "directions" / "neutral.txt"


def neutral_texts(lm: Model, n: int, seed: int) -> list[str]:
    """Texts for the side-effect cost: the shipped neutral English lines, or for a synthetic-genre model ``n``
    documents of its own base corpus (every genre, first 24 words)."""
    from rivalry.genres.synthetic_models import synthetic_config, synthetic_directory

    directory = synthetic_directory(lm)
    if directory is None:
        lines = [line.strip() for line in NEUTRAL_FILE.read_text(encoding="utf-8").splitlines()]
        return [line for line in lines if line and not line.startswith("#")][:n]
    from rivalry.genres.synthetic import GenreGenerator

    generator = GenreGenerator(synthetic_config(directory))
    documents = generator.sample(n, seed)
    return [" ".join(generator.words[w] for w in row[:24]) for row in documents.words]
