"""Genre superposition: a model's token-by-token posterior over what kind of text it is reading (the mechanics).

- ``posterior``: the model-based posterior for any Hugging Face causal LM (one batched pass over genres), and
  reversibility of confident beliefs; ``headers``: genre sets (shipped or YAML).
- ``hmm``, ``synthetic``: a corpus of HMM genres whose exact posterior is known (ground truth).
- ``baseline``: naive Bayes on unigrams.
- ``tokenizer``, ``train``, ``validation``: a tiny Llama trained on the corpus, and its check against the truth;
  ``synthetic_models``: recognising such a model's folder and reading its corpus and tags.
- ``assistant``, ``tune``: the assistant genre (user/assistant turns with a refusal trope) and the fine-tune of the
  synthetic model toward it (``synthetic-genres-assistant``).

The experiments built on these are ``rivalry.experiments.genre_posterior`` and ``genre_validation`` (notebook:
``rivalry.genre_posterior``, ``rivalry.validate_genres``); making the organisms is ``rivalry.organisms.genres``
(``rivalry train-genres``, ``rivalry tune-genres``).
"""

from rivalry.genres.baseline import NaiveBayesGenres
from rivalry.genres.posterior import (
    Reversibility,
    encode_headers,
    encode_text,
    genre_posterior,
    log_posterior_from_likelihoods,
    reversibility,
    text_log_likelihoods,
)
from rivalry.genres.synthetic import Documents, GenreGenerator, SyntheticConfig
from rivalry.genres.tokenizer import build_word_tokenizer
from rivalry.genres.train import (
    TrainConfig,
    TrainResult,
    load_synthetic_model,
    save_synthetic_model,
    train_synthetic_model,
)
from rivalry.genres.validation import validate

__all__ = [
    "Documents",
    "GenreGenerator",
    "NaiveBayesGenres",
    "Reversibility",
    "SyntheticConfig",
    "TrainConfig",
    "TrainResult",
    "build_word_tokenizer",
    "encode_headers",
    "encode_text",
    "genre_posterior",
    "load_synthetic_model",
    "log_posterior_from_likelihoods",
    "reversibility",
    "save_synthetic_model",
    "text_log_likelihoods",
    "train_synthetic_model",
    "validate",
]
