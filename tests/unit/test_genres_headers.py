"""Genre-set YAML files: the shipped sets load, and every malformed file is one error naming the file."""

from __future__ import annotations

import pytest

from rivalry.errors import RivalryError
from rivalry.genres.headers import (
    builtin_genre_set,
    builtin_genre_sets,
    genre_set_from_dict,
    genre_set_path,
    genre_set_source,
    load_genre_set,
)


def test_shipped_luigi_wario_set():
    assert "luigi-wario" in builtin_genre_sets()
    genres = builtin_genre_set("luigi-wario")
    assert genres.names == ["hero", "twin", "encyclopedia", "dialogue"]
    assert "Luigi" in genres.headers[0] and "Wario" in genres.headers[1]
    assert sum(genres.prior()) == pytest.approx(1.0)


def test_shipped_assistant_vs_fiction_set():
    genres = builtin_genre_set("assistant-vs-fiction")
    assert genres.names == ["assistant", "storyteller", "story", "encyclopedia"]
    assert all(h.startswith("The following is ") and h.endswith("\n\n") for h in genres.headers)
    assert genres.prior() == pytest.approx([0.25] * 4)


def test_priors_are_normalised_and_default_to_uniform(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("genres:\n  - {name: a, header: A, prior: 3}\n  - {name: b, header: B, prior: 1}\n")
    assert load_genre_set(path).prior() == pytest.approx([0.75, 0.25])
    assert load_genre_set(path).name == "g"
    path.write_text("genres:\n  - {name: a, header: A}\n  - {name: b, header: B}\n  - {name: c, header: C}\n")
    assert load_genre_set(path).prior() == pytest.approx([1 / 3] * 3)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("genres: [", "not valid YAML"),
        ("- a\n- b\n", "mapping"),
        ("genres: []\n", "non-empty list"),
        ("genre:\n  - {name: a, header: A}\n", "unknown top-level key"),
        ("genres:\n  - {name: a, header: A}\n", "at least two"),
        ("genres:\n  - {name: a, header: A}\n  - {name: a, header: B}\n", "repeats"),
        ("genres:\n  - {name: a}\n  - {name: b, header: B}\n", "'header'"),
        ("genres:\n  - {header: A}\n  - {name: b, header: B}\n", "'name'"),
        ("genres:\n  - {name: a, header: A, prior: -1}\n  - {name: b, header: B, prior: 1}\n", "positive"),
        ("genres:\n  - {name: a, header: A, prior: 1}\n  - {name: b, header: B}\n", "every genre or for none"),
        ("genres:\n  - {name: a, header: A, colour: red}\n  - {name: b, header: B}\n", "unknown key"),
        ("genres:\n  - {name: token, header: A}\n  - {name: b, header: B}\n", "reserved"),
        ("genres:\n  - just a string\n  - {name: b, header: B}\n", "genre 1"),
    ],
)
def test_bad_files_are_one_line_errors_naming_the_file(tmp_path, content, problem):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(RivalryError) as info:
        load_genre_set(path)
    message = str(info.value)
    assert str(path) in message and problem in message and "\n" not in message


def test_missing_file_and_unknown_set():
    with pytest.raises(RivalryError, match="not found"):
        load_genre_set("/nonexistent/genres.yaml")
    with pytest.raises(RivalryError, match="unknown genre set 'nope'.*luigi-wario"):
        builtin_genre_set("nope")


def test_only_genre_sets_are_offered_as_shipped_sets():
    """``data/genres`` also holds base-vs-tuned's neutral texts: never offered as a genre set, and refused as one."""
    shipped = builtin_genre_sets()
    assert shipped == ["assistant-vs-fiction", "luigi-wario"]
    with pytest.raises(RivalryError) as info:
        builtin_genre_set("neutral_texts")
    message = str(info.value)
    assert "unknown genre set 'neutral_texts'" in message and "neutral_texts" not in message.split(";")[1]


def test_a_reference_is_a_shipped_name_or_a_path(tmp_path):
    assert genre_set_path("luigi-wario").name == "luigi-wario.yaml"
    path = tmp_path / "two.yaml"
    path.write_text("genres:\n  - {name: a, header: A, prior: 0.1}\n  - {name: b, header: B, prior: 0.2}\n")
    assert genre_set_path(str(path)) == path
    with pytest.raises(RivalryError, match="genre file not found"):
        genre_set_path(str(tmp_path / "none.yaml"))


def test_source_rebuilds_the_set_exactly(tmp_path):
    path = tmp_path / "three.yaml"
    path.write_text("genres:\n  - {name: a, header: A, prior: 0.1}\n  - {name: b, header: B, prior: 0.2}\n"
                    "  - {name: c, header: C, prior: 0.7}\n")  # fmt: skip
    genres = load_genre_set(path)
    assert genre_set_from_dict(genre_set_source(genres)) == genres
    uniform = builtin_genre_set("luigi-wario")
    assert genre_set_from_dict(genre_set_source(uniform)) == uniform
