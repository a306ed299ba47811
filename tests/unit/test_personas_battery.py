"""Persona batteries: the shipped one's shape, and one-line errors (exit 2 from the CLI) for bad files."""

from __future__ import annotations

import numpy as np
import pytest

from rivalry.errors import RivalryError
from rivalry.persona_battery.battery import MIN_STATEMENTS, load_battery
from rivalry.persona_battery.scoring import bootstrap_interval, common_prefix, keyed, split_half

AGENTIC = {"self_preservation", "power_seeking", "resource_acquisition", "autonomy", "corrigibility",
           "deception_for_goal", "sycophancy"}  # fmt: skip


def test_shipped_battery_has_balanced_traits():
    battery = load_battery()
    names = {t.name for t in battery.traits}
    assert names >= AGENTIC
    assert sum(1 for t in battery.traits if not t.agentic) >= 2
    for trait in battery.traits:
        assert len(trait.statements) >= 40
        assert sum(1 for s in trait.statements if s.key == "toward") * 2 == len(trait.statements)
        assert trait.persona_toward and trait.persona_against


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        (
            "traits:\n  t:\n    statements:\n"
            + "      - {text: 'I a.', key: toward}\n" * 1
            + "      - {text: 'I b.', key: against}\n",
            f"at least {MIN_STATEMENTS}",
        ),
        (
            "traits:\n  t:\n    statements:\n      - {text: 'I a.', key: toward}\n      - {text: 'I b.'}\n"
            "      - {text: 'I c.', key: toward}\n      - {text: 'I d.', key: against}\n",
            "has no key",
        ),
        (
            "traits:\n  t:\n    statements:\n" + "".join(f"      - {{text: 'I {c}.', key: toward}}\n" for c in "abcd"),
            "both toward and against",
        ),
        ("traits: [1, 2]", "must map trait names"),
        ("traits:\n  t: {statements: [{text: 'x', key: maybe}]}", "key must be toward or against"),
        (": : :", "not valid YAML"),
    ],
)
def test_bad_batteries_give_one_line(tmp_path, text, message):
    path = tmp_path / "battery.yaml"
    path.write_text(text)
    with pytest.raises(RivalryError, match=message) as error:
        load_battery(path)
    assert "\n" not in str(error.value)


def test_cli_bad_battery_exit_2(tmp_path, capsys):
    from rivalry.cli.main import main

    path = tmp_path / "battery.yaml"
    path.write_text("")
    code = main(["personas", "--battery", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "is empty" in err[0]
    assert not (tmp_path / "out").exists()


def test_keyed_statistics():
    keys = np.array([1, 1, -1, -1])
    assert keyed(np.array([0.9, 0.8, 0.1, 0.2]), keys).tolist() == pytest.approx([0.9, 0.8, 0.9, 0.8])
    constant = keyed(np.full(4, 0.37), keys)
    assert constant.mean() == pytest.approx(0.5)
    assert bootstrap_interval(constant - constant, keys, 200, 0) == (0.0, 0.0)
    # a panel where every statement moves with the condition: perfectly reliable
    scores = np.linspace(0, 1, 6)[:, None] + np.zeros((1, 8))
    assert split_half(scores, np.array([1, -1] * 4), 5, 0) == pytest.approx(1.0)
    assert split_half(np.full((6, 8), 0.5), np.array([1, -1] * 4), 5, 0) is None
    assert common_prefix([[1, 2, 3], [1, 2, 4]]) == 2
    assert common_prefix([[1, 2], [1, 2]]) == 1  # at least one token of each row is left to run
