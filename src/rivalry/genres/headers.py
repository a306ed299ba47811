"""Genre sets: the hypotheses of a genre posterior, each a name, a header the text is read after, and a prior.

A genre set is a YAML file::

    name: luigi-wario
    description: optional
    genres:
      - name: hero
        header: "The following is a children's story about a kind hero named Luigi.\\n\\n"
        prior: 0.25          # optional: give it for every genre or for none (uniform)

Shipped sets live in ``rivalry/data/genres/<name>.yaml``. Every problem with a file is a one-line
:class:`RivalryError` naming the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rivalry.errors import RivalryError

GENRE_SET_DIR = Path(__file__).resolve().parent.parent / "data" / "genres"
DEFAULT_GENRE_SET = "luigi-wario"
RESERVED_NAMES = frozenset({"position", "token", "token_id"})  # columns of genres.csv


@dataclass(frozen=True)
class Genre:
    """One hypothesis: ``header`` is prepended to the text; ``prior`` is an unnormalised weight (None: uniform)."""

    name: str
    header: str
    prior: float | None = None


@dataclass(frozen=True)
class GenreSet:
    """Named genres with distinct names; priors given for all genres or for none."""

    name: str
    genres: tuple[Genre, ...]
    description: str = ""

    def __post_init__(self) -> None:
        names = [g.name for g in self.genres]
        if len(names) < 2:
            raise RivalryError(f"genre set '{self.name}' needs at least two genres")
        if len(set(names)) != len(names):
            raise RivalryError(f"genre set '{self.name}' repeats a genre name")
        given = [g.prior is not None for g in self.genres]
        if any(given) and not all(given):
            raise RivalryError(f"genre set '{self.name}': give a prior for every genre or for none")

    @property
    def names(self) -> list[str]:
        return [g.name for g in self.genres]

    @property
    def headers(self) -> list[str]:
        return [g.header for g in self.genres]

    def prior(self) -> list[float]:
        """P(g), normalised (uniform where no priors were given)."""
        weights = [1.0 if g.prior is None else g.prior for g in self.genres]
        total = sum(weights)
        return [w / total for w in weights]

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "genres": [
                {"name": g.name, "header": g.header, "prior": p} for g, p in zip(self.genres, self.prior(), strict=True)
            ],
        }


def builtin_genre_sets() -> list[str]:
    """Names of the shipped genre sets (only files that are genre sets: ``data/genres`` also holds other inputs,
    such as base-vs-tuned's ``neutral_texts.yaml``)."""
    names = []
    for path in sorted(GENRE_SET_DIR.glob("*.yaml")):
        try:
            load_genre_set(path)
        except RivalryError:
            continue
        names.append(path.stem)
    return names


def builtin_genre_set(name: str) -> GenreSet:
    """A shipped genre set by name (``luigi-wario``, ...)."""
    return load_genre_set(genre_set_path(name))


def genre_set_path(value: str | Path) -> Path:
    """The YAML file a genre-set reference names: a shipped set's name, or else a path.

    A name that is neither a shipped set nor an existing file is one :class:`RivalryError` listing the shipped sets.
    """
    text = str(value)
    shipped = builtin_genre_sets()
    if text in shipped:
        return GENRE_SET_DIR / f"{text}.yaml"
    path = Path(text).expanduser()
    if path.is_file():
        return path
    if "/" in text or path.suffix:
        raise RivalryError(f"genre file not found: {path}")
    raise RivalryError(f"unknown genre set '{text}'; shipped sets: {', '.join(shipped)}")


def genre_set_source(genre_set: GenreSet) -> dict[str, object]:
    """``genre_set`` as the mapping a genre-set YAML holds (priors as given, not normalised), so that
    ``genre_set_from_dict(genre_set_source(s)) == s`` exactly."""
    genres = []
    for g in genre_set.genres:
        entry: dict[str, object] = {"name": g.name, "header": g.header}
        if g.prior is not None:
            entry["prior"] = g.prior
        genres.append(entry)
    return {"name": genre_set.name, "description": genre_set.description, "genres": genres}


def load_genre_set(path: str | Path) -> GenreSet:
    """Read and validate a genre-set YAML file."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise RivalryError(f"genre file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise RivalryError(f"genre file {path}: not valid YAML ({first})") from None
    try:
        return genre_set_from_dict(data, default_name=path.stem)
    except RivalryError as error:
        raise RivalryError(f"genre file {path}: {error}") from None


def genre_set_from_dict(data: object, default_name: str = "custom") -> GenreSet:
    """Validate parsed YAML (a mapping with a ``genres`` list) into a :class:`GenreSet`."""
    if not isinstance(data, dict):
        raise RivalryError("expected a mapping with a 'genres' list at the top level")
    unknown = set(data) - {"name", "description", "genres"}
    if unknown:
        raise RivalryError(f"unknown top-level key(s): {', '.join(sorted(map(str, unknown)))}")
    items = data.get("genres")
    if not isinstance(items, list) or not items:
        raise RivalryError("'genres' must be a non-empty list")
    genres = [_genre_from_dict(item, i) for i, item in enumerate(items)]
    name, description = data.get("name", default_name), data.get("description", "")
    if not isinstance(name, str) or not isinstance(description, str):
        raise RivalryError("'name' and 'description' must be strings")
    return GenreSet(name=name, genres=tuple(genres), description=description)


def _genre_from_dict(item: object, index: int) -> Genre:
    where = f"genre {index + 1}"
    if not isinstance(item, dict):
        raise RivalryError(f"{where} must be a mapping with 'name' and 'header'")
    unknown = set(item) - {"name", "header", "prior"}
    if unknown:
        raise RivalryError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    name, header, prior = item.get("name"), item.get("header"), item.get("prior")
    if not isinstance(name, str) or not name.strip():
        raise RivalryError(f"{where}: 'name' must be a non-empty string")
    if name in RESERVED_NAMES:
        raise RivalryError(f"{where}: the name '{name}' is reserved")
    if not isinstance(header, str) or not header:
        raise RivalryError(f"{where} ('{name}'): 'header' must be a non-empty string")
    if prior is not None:
        if isinstance(prior, bool) or not isinstance(prior, int | float) or not prior > 0 or prior == float("inf"):
            raise RivalryError(f"{where} ('{name}'): 'prior' must be a positive number")
        prior = float(prior)
    return Genre(name=name, header=header, prior=prior)


def genre_set_setting(value: object) -> str | GenreSet | None:
    """A config's genre-set field, normalised: a shipped name or a path (as ``str``), a :class:`GenreSet` (an inline
    mapping, as a saved config holds it, becomes one), or None."""
    if value is None or isinstance(value, str | GenreSet):
        return value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return genre_set_from_dict(dict(value))
    raise RivalryError("genre_set must be a shipped set's name, a YAML path or a GenreSet")


def genre_set_to_setting(value: str | GenreSet | None) -> object:
    """The JSON form of a genre-set field: the name or path, or an inline set's YAML mapping."""
    return genre_set_source(value) if isinstance(value, GenreSet) else value


def genre_set_hash(value: str | GenreSet | None) -> str | None:
    """Content hash of the genre set a field names: its YAML file (shipped sets too) or an inline set's JSON."""
    from rivalry.io.hashing import sha256_file, sha256_json

    if value is None:
        return None
    if isinstance(value, GenreSet):
        return sha256_json(genre_set_source(value))
    return sha256_file(genre_set_path(value))
