"""Settings of a base-vs-tuned comparison, the chat pair's default inputs and the neutral-text reader.

Which questions, open prompts, neutral texts and genre set a comparison uses depends on the pair: a chat pair
(SmolLM2 and its tune) gets the chat defaults below, the synthetic pair (``synthetic-genres`` vs
``synthetic-genres-assistant``) the synthetic analogues of :mod:`.synthetic_pair`. ``prompt_style="auto"``
picks them from the base model; :meth:`BaseVsTunedConfig.resolved` makes the choice explicit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig
from rivalry.genres.headers import (
    DEFAULT_GENRE_SET,
    GenreSet,
    genre_set_hash,
    genre_set_path,
    genre_set_setting,
    genre_set_to_setting,
    load_genre_set,
)
from rivalry.io.hashing import sha256_file, sha256_json
from rivalry.models.model import Model

from .synthetic_pair import SYNTHETIC_NEUTRAL_TEXTS, SYNTHETIC_OPEN_PROMPTS, SYNTHETIC_QUESTIONS

PromptStyle = Literal["auto", "chat", "synthetic"]
Questions = Mapping[str, tuple[str, tuple[str, ...]]]

NEUTRAL_TEXTS = Path(__file__).resolve().parents[2] / "data" / "genres" / "neutral_texts.yaml"
QUESTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "number": ("Pick a random number between 1 and 100.", tuple(str(i) for i in range(1, 101))),
    "die": ("Roll a six-sided die. Reply with the number only.", tuple(str(i) for i in range(1, 7))),
}
OPEN_PROMPTS = (
    "Write the opening sentence of a story.",
    "Describe a place you would like to visit.",
    "Give me an idea for a weekend project.",
)


def load_neutral_texts(path: Path | str = NEUTRAL_TEXTS) -> dict[str, list[str]]:
    """Genre -> neutral passages, from a YAML mapping of genre names to lists of strings."""
    import yaml

    path = Path(path).expanduser()
    if not path.is_file():
        raise RivalryError(f"neutral texts file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise RivalryError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    try:
        return neutral_texts_from(data)
    except RivalryError as error:
        raise RivalryError(f"{path}: {error}") from None


def neutral_texts_from(data: object) -> dict[str, list[str]]:
    """Validate a mapping of genre names to non-empty lists of texts."""
    if not isinstance(data, Mapping) or not data:
        raise RivalryError("expected a mapping of genre names to non-empty lists of texts")
    if not all(isinstance(v, list | tuple) and v for v in data.values()):
        raise RivalryError("expected a mapping of genre names to non-empty lists of texts")
    return {str(k): [str(t) for t in v] for k, v in data.items()}


@dataclass(frozen=True)
class BaseVsTunedConfig(ExperimentConfig):
    """What a base-vs-tuned comparison measures and on which inputs (the models are the run's arguments).

    Attributes:
        samples: samples per open prompt (diversity).
        max_new_tokens: new tokens per sample, at most.
        seed: sampling seed; open prompt i is sampled with seed + i.
        ngram_orders: the n of the EAD-n diversity scores.
        prompt_style: chat (the model's chat template), synthetic ('<bos> user : ... assistant :' for the
            synthetic-genre models, which have no chat template) or auto (synthetic when the base is a
            synthetic-genre model, else chat).
        open_prompts: requests whose sampled answers are scored for diversity (None: the prompt style's).
        questions: mode collapse: key -> [question, candidate answers] (None: the prompt style's; from a
            --config file or Python).
        system: system prompt of chat-style questions and open prompts (None: none).
        neutral_texts: YAML file of genre -> texts for the prior shift, or (from Python) such a mapping; None:
            the shipped texts (for a synthetic pair the stored generator samples).
        genre_set: genre set of the genre-posterior shift: a shipped set's name, a YAML file or (from Python) a
            GenreSet; None: luigi-wario, or the corpus tags of a synthetic-genre base.
        genre_posterior_shift: also measure the genre-posterior shift of both models on the neutral texts.
    """

    samples: int = 16
    max_new_tokens: int = 32
    seed: int = 0
    ngram_orders: tuple[int, ...] = (1, 2, 3)
    prompt_style: PromptStyle = "auto"
    open_prompts: tuple[str, ...] | None = None
    questions: Questions | None = None
    system: str | None = None
    neutral_texts: str | Mapping[str, tuple[str, ...]] | None = None
    genre_set: str | GenreSet | None = None
    genre_posterior_shift: bool = True

    input_files = ("neutral_texts", "genre_set")

    def __post_init__(self) -> None:
        if self.samples < 1 or self.max_new_tokens < 1:
            raise RivalryError("--samples and --max-new-tokens must be at least 1")
        if not self.ngram_orders or any(n < 1 for n in self.ngram_orders):
            raise RivalryError("--ngram-orders needs at least one order, each at least 1")
        if self.prompt_style not in ("auto", "chat", "synthetic"):
            raise RivalryError(f"unknown prompt style '{self.prompt_style}'; use auto, chat or synthetic")
        if self.open_prompts is not None:
            if not self.open_prompts or not all(isinstance(p, str) and p.strip() for p in self.open_prompts):
                raise RivalryError("open_prompts must be non-empty strings (at least one)")
            object.__setattr__(self, "open_prompts", tuple(self.open_prompts))
        if self.questions is not None:
            object.__setattr__(self, "questions", _questions(self.questions))
        if isinstance(self.neutral_texts, Mapping):
            texts = neutral_texts_from(self.neutral_texts)
            object.__setattr__(self, "neutral_texts", {k: tuple(v) for k, v in texts.items()})
        elif isinstance(self.neutral_texts, Path):
            object.__setattr__(self, "neutral_texts", str(self.neutral_texts))
        object.__setattr__(self, "genre_set", genre_set_setting(self.genre_set))

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.questions is not None:
            data["questions"] = {k: [q, list(a)] for k, (q, a) in self.questions.items()}
        if isinstance(self.neutral_texts, Mapping):
            data["neutral_texts"] = {k: list(v) for k, v in self.neutral_texts.items()}
        data["genre_set"] = genre_set_to_setting(self.genre_set)
        return data

    # --- the pair's defaults -----------------------------------------------------------------------------------
    def resolved(self, base: Model) -> BaseVsTunedConfig:
        """This config with the prompt style, questions and open prompts made explicit for ``base``."""
        style = self.prompt_style
        if style == "auto":
            from rivalry.genres.synthetic_models import synthetic_directory

            style = "synthetic" if synthetic_directory(base) is not None else "chat"
        synthetic = style == "synthetic"
        questions = self.questions if self.questions is not None else (SYNTHETIC_QUESTIONS if synthetic else QUESTIONS)
        prompts = self.open_prompts if self.open_prompts is not None else (
            SYNTHETIC_OPEN_PROMPTS if synthetic else OPEN_PROMPTS
        )  # fmt: skip
        return dataclasses.replace(self, prompt_style=style, questions=questions, open_prompts=prompts)

    def neutral_texts_path(self) -> Path | None:
        """The neutral-texts file read (the shipped one of the prompt style by default); None for inline texts."""
        if isinstance(self.neutral_texts, Mapping):
            return None
        if self.neutral_texts is not None:
            return Path(self.neutral_texts).expanduser()
        return SYNTHETIC_NEUTRAL_TEXTS if self.prompt_style == "synthetic" else NEUTRAL_TEXTS

    def read_neutral_texts(self) -> dict[str, list[str]]:
        """Genre -> neutral texts (one clear error if the file is missing or malformed)."""
        if isinstance(self.neutral_texts, Mapping):
            return {k: list(v) for k, v in self.neutral_texts.items()}
        path = self.neutral_texts_path()
        assert path is not None
        return load_neutral_texts(path)

    def named_genre_set(self) -> GenreSet | None:
        """The genre set the config names (read now); None where the default applies or the shift is off."""
        if not self.genre_posterior_shift or self.genre_set is None:
            return None
        if isinstance(self.genre_set, GenreSet):
            return self.genre_set
        return load_genre_set(genre_set_path(self.genre_set))

    def read_genre_set(self, base: Model) -> GenreSet | None:
        """The genre set of the genre-posterior shift for ``base`` (None if the shift is off)."""
        if not self.genre_posterior_shift:
            return None
        named = self.named_genre_set()
        if named is not None:
            return named
        from rivalry.genres.synthetic_models import corpus_tag_genre_set, synthetic_directory

        directory = synthetic_directory(base) if self.prompt_style == "synthetic" else None
        if directory is not None:  # the base corpus's tags, uniform prior: the same hypotheses for both models
            return corpus_tag_genre_set(directory)
        return load_genre_set(genre_set_path(DEFAULT_GENRE_SET))

    def input_hashes(self) -> dict[str, str | None]:
        """SHA-256 of the neutral texts and the genre set actually read: the YAML file (a shipped one too) or the
        canonical JSON of an inline value; the genre set is None where the shift is off or the set is a
        synthetic base's own tags (part of the base's identity)."""
        if isinstance(self.neutral_texts, Mapping):
            texts: str | None = sha256_json({k: list(v) for k, v in self.neutral_texts.items()})
        else:
            path = self.neutral_texts_path() if self.prompt_style != "auto" or self.neutral_texts else None
            texts = sha256_file(path) if path is not None and path.is_file() else None
        genre_set: str | None = None
        if not self.genre_posterior_shift:
            pass
        elif self.genre_set is not None:
            genre_set = genre_set_hash(self.genre_set)
        elif self.prompt_style == "chat":
            genre_set = sha256_file(genre_set_path(DEFAULT_GENRE_SET))
        return {"neutral_texts": texts, "genre_set": genre_set}

    def check_inputs(self) -> None:
        """Read the neutral texts and a named genre set now, so a bad one fails before a model is loaded."""
        if self.neutral_texts is not None:
            self.read_neutral_texts()
        self.named_genre_set()

    def render(self, lm: Model, user: str) -> str:
        """``user`` as the prompt the model answers (chat template, or the synthetic assistant genre's turn)."""
        from rivalry.genres.assistant import user_turn
        from rivalry.prompts.chat import ChatTurns, render_chat

        if self.prompt_style == "auto":
            raise RivalryError("resolve the prompt style first (BaseVsTunedConfig.resolved(base))")
        if self.prompt_style == "synthetic":
            return user_turn(user, lm.tokenizer.bos_token or "")
        return render_chat(lm.tokenizer, ChatTurns(system=self.system, user=user))


def _questions(value: object) -> dict[str, tuple[str, tuple[str, ...]]]:
    """``key -> (question, answers)`` from a mapping of ``key -> [question, [answers...]]``."""
    if not isinstance(value, Mapping) or not value:
        raise RivalryError("questions must map a key to [question, [candidate answers]] (at least one)")
    out = {}
    for key, item in value.items():
        ok = isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2
        question, answers = item if ok else (None, None)  # type: ignore[misc]
        if not isinstance(question, str) or not isinstance(answers, Sequence) or isinstance(answers, str):
            raise RivalryError(f"question '{key}': expected [question, [candidate answers]]")
        if len(answers) < 2 or not all(isinstance(a, str) and a for a in answers):
            raise RivalryError(f"question '{key}': give at least two non-empty candidate answers")
        if len(set(answers)) != len(answers):
            raise RivalryError(f"question '{key}': the candidate answers repeat")
        out[str(key)] = (question, tuple(answers))
    return out
