"""A word-level tokenizer for a closed vocabulary, as a transformers ``PreTrainedTokenizerFast``.

Ids: ``<pad>`` 0, ``<unk>`` 1, ``<bos>`` 2, ``<eos>`` 3, then the tags (one special token each, e.g. ``<hero>``),
then the words in the order given. Text is split on whitespace only, so punctuation must be written as separate
words (``"luigi said : thank you ."``). Encoding with special tokens prepends ``<bos>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast

from rivalry.errors import RivalryError

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIAL_TOKENS: tuple[str, ...] = (PAD, UNK, BOS, EOS)


def build_word_tokenizer(words: Sequence[str], tags: Sequence[str] = ()) -> PreTrainedTokenizerFast:
    """A tokenizer mapping each of ``words`` (and each tag, a special token) to one id."""
    vocab_list = [*SPECIAL_TOKENS, *tags, *words]
    if len(set(vocab_list)) != len(vocab_list):
        raise RivalryError("words, tags and special tokens must all be distinct")
    if any(not word or any(ch.isspace() for ch in word) for word in vocab_list):
        raise RivalryError("words and tags must be non-empty and contain no whitespace")
    vocab = {token: i for i, token in enumerate(vocab_list)}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    backend.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", pair=f"{BOS} $A $B", special_tokens=[(BOS, vocab[BOS])]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        unk_token=UNK,
        additional_special_tokens=list(tags),
        padding_side="left",
        clean_up_tokenization_spaces=False,
    )
