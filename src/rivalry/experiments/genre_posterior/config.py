"""Settings of a genre posterior: which text, read how, against which genres, and the reversibility thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig
from rivalry.genres.headers import (
    GenreSet,
    genre_set_hash,
    genre_set_path,
    genre_set_setting,
    genre_set_to_setting,
    load_genre_set,
)
from rivalry.io.hashing import sha256_file


@dataclass(frozen=True)
class GenrePosteriorConfig(ExperimentConfig):
    """What to read and which genre hypotheses to read it under.

    Attributes:
        text: the text to read (give this or text_file).
        text_file: read the text from this UTF-8 file instead.
        chat: wrap the text as a user turn in the model's chat template.
        genre_set: a shipped genre set's name (luigi-wario, assistant-vs-fiction), a genre-set YAML file, or
            (from Python) a GenreSet; None: the tags of a synthetic-genre model, luigi-wario for any other.
        high: reversibility: a genre is confident once its posterior reaches this.
        low: reversibility: a confident genre is given up when its posterior falls below this.
    """

    text: str | None = None
    text_file: str | None = None
    chat: bool = False
    genre_set: str | GenreSet | None = None
    high: float = 0.9
    low: float = 0.5

    input_files = ("text_file", "genre_set")

    def __post_init__(self) -> None:
        if (self.text is None) == (self.text_file is None):
            raise RivalryError(
                "give the text with exactly one of --text or --text-file (text= or text_file= in Python)"
            )
        if self.text is not None and not self.text.strip():
            raise RivalryError("the text is empty")
        if not 0.0 < self.low < self.high <= 1.0:
            raise RivalryError("reversibility thresholds need 0 < low < high <= 1")
        object.__setattr__(self, "genre_set", genre_set_setting(self.genre_set))

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "genre_set": genre_set_to_setting(self.genre_set)}

    def read_text(self) -> str:
        """The text: ``text`` itself, or the content of ``text_file`` (one clear error if it cannot be read)."""
        if self.text is not None:
            return self.text
        path = Path(str(self.text_file)).expanduser()
        if not path.is_file():
            raise RivalryError(f"text file not found: {path}")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise RivalryError(f"text file {path} is not UTF-8") from None
        if not text.strip():
            raise RivalryError(f"text file {path} is empty")
        return text

    def named_genre_set(self) -> GenreSet | None:
        """The genre set the config names (read now), or None where the model's own default applies."""
        if self.genre_set is None or isinstance(self.genre_set, GenreSet):
            return self.genre_set
        return load_genre_set(genre_set_path(self.genre_set))

    def input_hashes(self) -> dict[str, str | None]:
        """SHA-256 of the text file and of the genre set actually used: the YAML file (a shipped set's too), or the
        canonical JSON of an inline set; None where unset (the model's own tags are part of its identity)."""
        hashes: dict[str, str | None] = {"text_file": None, "genre_set": None}
        if self.text_file is not None and Path(self.text_file).expanduser().is_file():
            hashes["text_file"] = sha256_file(Path(self.text_file).expanduser())
        hashes["genre_set"] = genre_set_hash(self.genre_set)
        return hashes

    def check_inputs(self) -> None:
        """Read the text file and the genre set now, so a bad one fails before a model is loaded."""
        self.read_text()
        self.named_genre_set()
