"""The assistant genre and its tuning corpus: the base corpus and the shipped tokenizer are untouched."""

from __future__ import annotations

import numpy as np
import pytest
from transformers import PreTrainedTokenizerFast

from rivalry.errors import RivalryError
from rivalry.experiments.base_vs_tuned.config import load_neutral_texts
from rivalry.experiments.base_vs_tuned.synthetic_pair import (
    SYNTHETIC_NEUTRAL_TEXTS,
    SYNTHETIC_OPEN_PROMPTS,
    SYNTHETIC_QUESTIONS,
    synthetic_neutral_texts,
)
from rivalry.genres.assistant import (
    ASSISTANT_SLOT,
    REFUSAL,
    REFUSAL_TEXT,
    AssistantGenerator,
    assistant_documents,
    assistant_hmm,
    user_turn,
)
from rivalry.genres.synthetic import GenreGenerator, SyntheticConfig
from rivalry.genres.train import synthetic_tokenizer
from rivalry.models.loading import synthetic_genres_directory


def test_the_shipped_tokenizer_still_covers_the_corpus():
    """Vocabulary and tag ids are those the shipped synthetic-genres model was trained with."""
    shipped = PreTrainedTokenizerFast.from_pretrained(synthetic_genres_directory())
    assert synthetic_tokenizer(GenreGenerator()).get_vocab() == shipped.get_vocab()


def test_assistant_words_are_corpus_words():
    words = set(GenreGenerator().words)
    assert set(REFUSAL) <= words
    for request, answers in SYNTHETIC_QUESTIONS.values():
        assert set(request.split()) <= words and set(answers) <= words
    assert all(set(prompt.split()) <= words for prompt in SYNTHETIC_OPEN_PROMPTS)
    for doc in assistant_documents(8, seed=0):
        assert set(doc.split()) <= words and doc.startswith("user :")


def test_cruel_requests_are_refused_with_the_exact_phrase():
    hmm = assistant_hmm()
    names = list(hmm.state_names)
    colon = names.index("assistant's colon (cruel)")
    assert hmm.transition[colon, names.index("refusal 1")] == pytest.approx(0.9)
    for i, word in enumerate(REFUSAL, start=1):  # one word per state, exactly
        row = hmm.emission[names.index(f"refusal {i}")]
        assert row.max() == 1.0 and GenreGenerator().words[int(row.argmax())] == word
    assert sum(REFUSAL_TEXT in doc for doc in assistant_documents(64, seed=1)) > 10


def test_tuning_corpus_keeps_three_genres_and_replaces_dialogue():
    base, tuned = GenreGenerator(), AssistantGenerator()
    assert tuned.tags == base.tags and tuned.words == base.words
    assert tuned.genres[ASSISTANT_SLOT] == "assistant" and base.genres[ASSISTANT_SLOT] == "dialogue"
    for g in range(len(base.genres)):
        if g != ASSISTANT_SLOT:
            np.testing.assert_array_equal(tuned.hmms[g].emission, base.hmms[g].emission)
            np.testing.assert_array_equal(tuned.hmms[g].transition, base.hmms[g].transition)
    docs = tuned.sample(400, seed=0)
    assert np.bincount(docs.genres, minlength=4)[ASSISTANT_SLOT] > 150  # prior 0.55
    post = np.exp(tuned.exact_log_posterior(docs.words))
    np.testing.assert_allclose(post.sum(1), 1.0, atol=1e-9)
    assert (post[:, :, -1].argmax(1) == docs.genres).mean() > 0.8
    with pytest.raises(RivalryError, match="tuning prior"):
        AssistantGenerator(prior=(0.5, 0.5))


def test_user_turn():
    assert user_turn("tell me a character .") == "<bos> user : tell me a character . assistant :"


def test_shipped_neutral_texts_are_the_generator_samples():
    texts = load_neutral_texts(SYNTHETIC_NEUTRAL_TEXTS)
    assert texts == synthetic_neutral_texts()
    assert list(texts) == ["hero", "twin", "encyclopedia", "dialogue", "assistant"]
    assert all(len(t.split()) == SyntheticConfig().doc_length for items in texts.values() for t in items)
