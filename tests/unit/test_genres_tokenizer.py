"""The word-level tokenizer of the synthetic vocabulary."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from rivalry.errors import RivalryError
from rivalry.genres.synthetic import GenreGenerator, SyntheticConfig
from rivalry.genres.tokenizer import build_word_tokenizer
from rivalry.genres.train import synthetic_tokenizer, word_token_ids


def test_layout_and_special_tokens():
    tok = build_word_tokenizer(["luigi", "said", "."], ["<hero>", "<twin>"])
    assert (tok.pad_token_id, tok.unk_token_id, tok.bos_token_id, tok.eos_token_id) == (0, 1, 2, 3)
    assert tok.convert_tokens_to_ids(["<hero>", "<twin>", "luigi", "said", "."]) == [4, 5, 6, 7, 8]
    assert len(tok) == 9
    assert tok("<twin> luigi said .").input_ids == [2, 5, 6, 7, 8]
    assert tok("luigi said .", add_special_tokens=False).input_ids == [6, 7, 8]
    assert tok("luigi sings", add_special_tokens=False).input_ids == [6, 1]


def test_round_trip_of_generated_documents(tmp_path):
    gen = GenreGenerator(SyntheticConfig(doc_length=40))
    tok = synthetic_tokenizer(gen)
    words = gen.sample(5, seed=0).words
    lookup = word_token_ids(gen, tok)
    for row in words:
        text = " ".join(gen.words[w] for w in row)
        ids = tok(text, add_special_tokens=False).input_ids
        assert ids == lookup[row].tolist()
        assert tok.decode(ids) == text
    tok.save_pretrained(tmp_path)
    reloaded = AutoTokenizer.from_pretrained(tmp_path)
    text = "<encyclopedia> " + " ".join(gen.words[w] for w in words[0])
    assert reloaded(text).input_ids == tok(text).input_ids
    assert reloaded.decode(reloaded(text).input_ids, skip_special_tokens=True) == text.split(" ", 1)[1]


def test_rejects_duplicates_and_whitespace():
    with pytest.raises(RivalryError):
        build_word_tokenizer(["a", "a"])
    with pytest.raises(RivalryError):
        build_word_tokenizer(["a b"])
    with pytest.raises(RivalryError):
        build_word_tokenizer(["<bos>"])
