"""Settings of a jailbreak tug-of-war: which requests, and which genre hypotheses to read the decision with."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
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
from rivalry.io.hashing import sha256_file, sha256_json
from rivalry.models.model import Model

from .requests import RequestSet, load_request_set, request_set_from_dict, request_set_path, request_set_source

CHAT_REQUESTS = "smollm2"  # the default request set of a chat pair
SYNTHETIC_REQUESTS = "synthetic"  # ... and of a synthetic-genre pair


@dataclass(frozen=True)
class TugOfWarConfig(ExperimentConfig):
    """The requests of a tug-of-war and the genre set of the posterior at the decision point.

    Attributes:
        requests: request set: a shipped set's name (smollm2, synthetic), a YAML file or (from Python) a
            RequestSet; None: synthetic for a synthetic-genre base, else smollm2.
        genre_set: genre set of the posterior at the decision, overriding the request set's: a shipped set's
            name, a YAML file or (from Python) a GenreSet; None: the request set's, or the corpus tags of a
            synthetic-genre base.
    """

    requests: str | RequestSet | None = None
    genre_set: str | GenreSet | None = None

    input_files = ("requests", "genre_set")

    def __post_init__(self) -> None:
        if isinstance(self.requests, Mapping):  # an inline set, as saved by to_dict
            object.__setattr__(self, "requests", request_set_from_dict(dict(self.requests)))
        elif isinstance(self.requests, Path):
            object.__setattr__(self, "requests", str(self.requests))
        if self.requests is not None and not isinstance(self.requests, str | RequestSet):
            raise RivalryError("requests must be a shipped set's name, a YAML path or a RequestSet")
        object.__setattr__(self, "genre_set", genre_set_setting(self.genre_set))

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if isinstance(self.requests, RequestSet):
            data["requests"] = request_set_source(self.requests)
        data["genre_set"] = genre_set_to_setting(self.genre_set)
        return data

    def resolved(self, base: Model) -> TugOfWarConfig:
        """This config with the request set named (the synthetic set for a synthetic-genre base)."""
        if self.requests is not None:
            return self
        from rivalry.genres.synthetic_models import synthetic_directory

        synthetic = synthetic_directory(base) is not None
        return dataclasses.replace(self, requests=SYNTHETIC_REQUESTS if synthetic else CHAT_REQUESTS)

    def read_requests(self) -> RequestSet:
        if self.requests is None:
            raise RivalryError("resolve the request set first (TugOfWarConfig.resolved(base))")
        return self.requests if isinstance(self.requests, RequestSet) else load_request_set(self.requests)

    def genre_set_reference(self) -> str | GenreSet | None:
        """The genre set named by the config, else by the request set (None: neither names one)."""
        if self.genre_set is not None:
            return self.genre_set
        return self.read_requests().genre_set if self.requests is not None else None

    def read_genre_set(self, base: Model) -> GenreSet:
        """The genre set of the posterior at the decision for ``base``; one clear error if there is none."""
        reference = self.genre_set_reference()
        if isinstance(reference, GenreSet):
            return reference
        if reference is not None:
            return load_genre_set(genre_set_path(reference))
        from rivalry.genres.synthetic_models import corpus_tag_genre_set, synthetic_directory

        directory = synthetic_directory(base)
        if directory is None:
            name = self.read_requests().name
            raise RivalryError(f"request set '{name}' names no genre set; pass --genre-set (genre_set=...)")
        return corpus_tag_genre_set(directory)  # the base corpus's tags, uniform prior: the same for both models

    def input_hashes(self) -> dict[str, str | None]:
        """SHA-256 of the request set and the genre set actually read: the YAML file (a shipped one too) or the
        canonical JSON of an inline value; None for a synthetic base's own tags (part of its identity)."""
        requests: str | None = None
        if isinstance(self.requests, RequestSet):
            requests = sha256_json(request_set_source(self.requests))
        elif self.requests is not None:
            requests = sha256_file(request_set_path(self.requests))
        return {"requests": requests, "genre_set": genre_set_hash(self.genre_set_reference())}

    def check_inputs(self) -> None:
        """Read the request set and the genre set now, so a bad one fails before a model is loaded."""
        reference = self.genre_set_reference()
        if isinstance(reference, str):
            load_genre_set(genre_set_path(reference))
