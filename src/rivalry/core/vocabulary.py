"""Answer token sets: every vocabulary token whose stripped, lower-cased text equals the answer word.

This is the Forbidden Facts paper's definition of "the model says X": ``" California"``, ``"California"``
and ``"california"`` all count.
"""

from __future__ import annotations

from collections import defaultdict

from transformers import PreTrainedTokenizerBase

from rivalry.errors import RivalryError


def normalise(text: str) -> str:
    return text.strip().lower()


class VocabularyIndex:
    """Maps normalised token text to token ids, built once per tokenizer (one batched decode)."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, vocab_size: int | None = None):
        size = min(vocab_size or len(tokenizer), len(tokenizer))
        texts = tokenizer.batch_decode([[i] for i in range(size)])
        special = set(tokenizer.all_special_ids)
        by_text: dict[str, list[int]] = defaultdict(list)
        for token_id, text in enumerate(texts):
            if token_id not in special and normalise(text):
                by_text[normalise(text)].append(token_id)
        self.texts: list[str] = texts
        self._by_text = dict(by_text)

    def token_set(self, word: str) -> list[int]:
        """Ids of every token whose stripped, lower-cased text is ``word`` (empty if none)."""
        return list(self._by_text.get(normalise(word), ()))

    def require_token_set(self, word: str) -> list[int]:
        """Like :meth:`token_set`, but a one-line error when ``word`` is not a single token of this vocabulary."""
        ids = self.token_set(word)
        if not ids:
            raise RivalryError(
                f"answer '{word}' is not a single token for this tokenizer (rivalry reads one next token); "
                "choose a one-token answer"
            )
        return ids
