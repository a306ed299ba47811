"""Genre-set YAML files: the shipped sets load, and every malformed file is one error naming the file."""

from __future__ import annotations

import pytest

from rivalry.errors import RivalryError
from rivalry.genres.headers import builtin_genre_set, builtin_genre_sets, load_genre_set


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
