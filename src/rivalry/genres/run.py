"""Runners behind ``rivalry genres``: a model's genre posterior over one text, and the synthetic model's validation.

``run_genres`` scores a text under every genre of a :class:`GenreSet` in one batched forward pass
(:func:`genre_posterior`) and returns a :class:`GenresResult`, which writes ``genres.json`` and ``genres.csv``.
``run_validation`` checks the shipped synthetic model against the exact Bayesian posterior.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import torch
from jaxtyping import Float

from rivalry.errors import RivalryError
from rivalry.genres.headers import Genre, GenreSet
from rivalry.genres.posterior import encode_headers, encode_text, genre_posterior, reversibility
from rivalry.genres.synthetic import GenreGenerator, SyntheticConfig
from rivalry.genres.train import SYNTHETIC_CONFIG_FILE
from rivalry.models.loading import NAMED_MODELS, Model

VALIDATION_FILE = "genre_validation.json"


def synthetic_directory(model: str) -> Path | None:
    """The directory of ``model`` (a named model or a local directory) if it is a synthetic-genre model, else None."""
    path = NAMED_MODELS[model].base() if model in NAMED_MODELS else Path(model).expanduser()
    return path if (path / SYNTHETIC_CONFIG_FILE).is_file() else None


def synthetic_generator(directory: Path) -> GenreGenerator:
    """The generator the synthetic model in ``directory`` was trained on (from its ``synthetic_config.json``), or
    for a model tuned toward the assistant genre (a ``tune_config.json`` beside it) its tuning corpus."""
    from rivalry.genres.tune import tuned_generator

    tuned = tuned_generator(directory)
    if tuned is not None:
        return tuned
    data = json.loads((directory / SYNTHETIC_CONFIG_FILE).read_text())
    return GenreGenerator(SyntheticConfig.from_dict(data))


def synthetic_genre_set(generator: GenreGenerator) -> GenreSet:
    """The synthetic model's own genres: headers are its tags (``<hero>``, ...), priors the generator's."""
    pairs = zip(generator.tags, generator.prior, strict=True)
    genres = tuple(Genre(name=tag.strip("<>"), header=tag, prior=float(p)) for tag, p in pairs)
    return GenreSet(name="synthetic-tags", genres=genres, description="the synthetic corpus's genre tags")


def corpus_tag_genre_set(directory: Path) -> GenreSet:
    """The tags of the base corpus of the synthetic model in ``directory`` with the base corpus's (uniform) prior:
    the same hypotheses for a base model and its tune, whatever corpus the tune was trained on."""
    data = json.loads((directory / SYNTHETIC_CONFIG_FILE).read_text())
    return synthetic_genre_set(GenreGenerator(SyntheticConfig.from_dict(data)))


@dataclass(frozen=True)
class GenresResult:
    """A genre posterior over one text.

    Attributes:
        model: the model's name.
        genre_set: the hypotheses (names, headers, priors).
        token_ids, tokens: the scored text tokens (each decoded alone).
        log_posterior: [genre, seq]; column t-1 holds log P(g | x_1..t).
        unknown_tokens: how many text tokens are the tokenizer's unknown token (words a closed vocabulary lacks).
        chat: whether the text was wrapped in the chat template.
        high, low: reversibility thresholds.
    """

    model: str
    genre_set: GenreSet
    token_ids: list[int]
    tokens: list[str]
    log_posterior: Float[torch.Tensor, "genre seq"]
    unknown_tokens: int
    chat: bool
    high: float = 0.9
    low: float = 0.5

    @property
    def posterior(self) -> Float[torch.Tensor, "genre seq"]:
        return self.log_posterior.exp()

    def final(self) -> dict[str, float]:
        """P(g | whole text) per genre."""
        return dict(zip(self.genre_set.names, self.posterior[:, -1].tolist(), strict=True))

    def reversibility_rows(self) -> list[dict[str, object]]:
        """Per genre: final posterior, maximum, whether it reached ``high`` and later fell below ``low``."""
        rev = reversibility(self.log_posterior, high=self.high, low=self.low)
        probs = self.posterior
        return [
            {
                "genre": name,
                "prior": prior,
                "final": float(probs[g, -1]),
                "max": float(probs[g].max()),
                "crossed_high": bool(rev.crossed[g]),
                "reversed": bool(rev.reversed[g]),
                "reversal_events": int(rev.events[g]),
            }
            for g, (name, prior) in enumerate(zip(self.genre_set.names, self.genre_set.prior(), strict=True))
        ]

    def to_dict(self) -> dict[str, object]:
        probs = self.posterior
        return {
            "model": self.model,
            "genre_set": self.genre_set.to_dict(),
            "chat": self.chat,
            "n_tokens": len(self.tokens),
            "unknown_tokens": self.unknown_tokens,
            "token_ids": self.token_ids,
            "tokens": self.tokens,
            "trajectories": {name: probs[g].tolist() for g, name in enumerate(self.genre_set.names)},
            "final_posterior": self.final(),
            "reversibility": {"high": self.high, "low": self.low, "genres": self.reversibility_rows()},
        }

    def write(self, out: str | Path) -> tuple[Path, Path]:
        """Write ``genres.json`` and ``genres.csv`` (one row per token, a column per genre) into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        json_path, csv_path = out / "genres.json", out / "genres.csv"
        json_path.write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")
        probs = self.posterior
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["position", "token_id", "token", *self.genre_set.names])
            for t, (tok_id, tok) in enumerate(zip(self.token_ids, self.tokens, strict=True)):
                writer.writerow([t + 1, tok_id, tok, *(f"{float(p):.6g}" for p in probs[:, t])])
        return json_path, csv_path


def chat_text(lm: Model, text: str) -> str:
    """``text`` as a user turn in the model's chat template (the headers then precede the whole conversation)."""
    if not getattr(lm.tokenizer, "chat_template", None):
        raise RivalryError(f"model '{lm.name}' has no chat template; drop --chat")
    return lm.tokenizer.apply_chat_template([{"role": "user", "content": text}], tokenize=False)


def run_genres(
    lm: Model, genre_set: GenreSet, text: str, chat: bool = False, high: float = 0.9, low: float = 0.5
) -> GenresResult:
    """P(g | x_1..t) ∝ P(g) Π_{i<=t} P(x_i | header_g, x_<i) for every genre and token, in one batched pass."""
    if not 0.0 < low < high <= 1.0:
        raise RivalryError("reversibility thresholds need 0 < low < high <= 1")
    if not text.strip():
        raise RivalryError("the text is empty")
    if chat:
        text = chat_text(lm, text)
    tokenizer = lm.tokenizer
    token_ids = encode_text(tokenizer, text)
    if not token_ids:
        raise RivalryError("the text has no tokens")
    headers = encode_headers(tokenizer, genre_set.headers)
    for genre, ids in zip(genre_set.genres, headers, strict=True):
        if not ids:
            raise RivalryError(f"the header of genre '{genre.name}' has no tokens")
    prior = torch.tensor(genre_set.prior(), dtype=torch.float64)
    log_post = genre_posterior(lm.model, headers, token_ids, prior=prior, tokenizer=tokenizer)
    unk = tokenizer.unk_token_id
    return GenresResult(
        model=lm.name,
        genre_set=genre_set,
        token_ids=token_ids,
        tokens=[tokenizer.decode([i]) for i in token_ids],
        log_posterior=log_post,
        unknown_tokens=sum(1 for i in token_ids if unk is not None and i == unk),
        chat=chat,
        high=high,
        low=low,
    )


VALIDATION_KEYS = (
    "mean_kl_nats_after_20_tokens",
    "exact_posterior_entropy_after_20_tokens",
    "baseline_kl_nats_after_20_tokens",
)


def run_validation(lm: Model, directory: Path, n_docs: int = 512, seed: int = 12345) -> dict[str, object]:
    """Validate the synthetic model in ``directory`` (loaded as ``lm``) against its exact Bayesian posterior."""
    from rivalry.genres.validation import validate

    if n_docs < 1:
        raise RivalryError("--docs must be at least 1")
    generator = synthetic_generator(directory)
    results: dict[str, object] = dict(validate(lm.model, lm.tokenizer, generator, n_docs=n_docs, seed=seed))
    results["model"] = lm.name
    return results


def write_validation(results: dict[str, object], out: str | Path) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / VALIDATION_FILE
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return path
