"""``rivalry faithfulness`` on a tiny chat model: the full circuit is the full model, the empty one has no effect,
the attack predictions cover the attack run, save/load/report are stable, bad input is one line."""

from __future__ import annotations

import pytest
from chat_fixtures import tiny_chat_model

import rivalry
from rivalry.circuits.attack import ATTACK_TEMPLATES
from rivalry.cli.main import main
from rivalry.experiments.attack import AttackConfig
from rivalry.experiments.attack import run as run_attacks
from rivalry.experiments.faithfulness import FaithfulnessResult, auroc
from rivalry.experiments.forbidden_facts import ForbiddenFactsConfig
from rivalry.experiments.forbidden_facts.prompts import PAPER_SYSTEM_TEMPLATE, PREFILL_INSTRUCTION
from rivalry.facts.dataset import load_facts, load_irrelevant_words, select_split
from rivalry.report.faithfulness import report
from rivalry.report.page import render_page


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    facts = select_split(load_facts(), "heldout")[:3]
    texts = [f"{f.prompt} {f.answer} {f.wrong_answer} {f.subject}" for f in facts]
    texts += [*load_irrelevant_words(), *ATTACK_TEMPLATES.values(), PAPER_SYSTEM_TEMPLATE, PREFILL_INSTRUCTION]
    lm = tiny_chat_model([*texts, "everywhere"])
    root = tmp_path_factory.mktemp("faith")
    ff = ForbiddenFactsConfig(split="heldout", limit=3, min_nc_probability=0.0, joint_facts=0)
    rivalry.forbidden_facts(lm, ff, progress=False).save(root / "ff")
    attack = AttackConfig(
        limit=2,
        min_clean_probability=0.0,
        n_heads=2,
        spearman_facts=0,
        templates=("from",),
        shortlist=1,
        selection_facts=2,
    )
    run_attacks(lm, attack, progress=False).save(root / "attack")
    return lm, root


@pytest.fixture(scope="module")
def result(runs) -> FaithfulnessResult:
    lm, root = runs
    return rivalry.faithfulness(lm, root / "ff", root / "attack", ks=(0, 2), progress=False)


def test_the_full_circuit_is_the_model_and_the_empty_one_does_nothing(result):
    assert result.ks[0] == 0 and result.ks[-1] == len(result.order)
    for row in result.circuit:
        assert row.circuit_effects[-1] == pytest.approx(row.full_effect, abs=1e-4)
        assert row.circuit_effects[0] == pytest.approx(0.0, abs=1e-4)  # every site at its mean: runs identical
    assert result.recovered_by_k[result.ks[-1]] == pytest.approx(1.0, abs=1e-4)
    assert result.circuit_correlation[result.ks[-1]] == pytest.approx(1.0, abs=1e-4)


def test_attack_predictions_cover_the_attack_run(runs, result):
    _, root = runs
    attack = rivalry.load_result(root / "attack")
    assert len(result.predictions) == sum(1 for r in attack.rows if r.insertion)
    assert result.heads == attack.heads


def test_save_load_report(result, tmp_path):
    result.save(tmp_path)
    again = rivalry.load_result(tmp_path)
    assert again == result
    assert render_page(report(again)) == render_page(report(result))
    record = (tmp_path / "faithfulness.json").read_text()
    for key in ("circuit_correlation", "circuit_mae_log10", "recovered_by_k", "attack_auroc", "baseline_auroc"):
        assert f'"{key}"' in record


def test_auroc():
    assert auroc([3.0, 2.0, 1.0], [True, True, False]) == 1.0
    assert auroc([1.0, 1.0], [True, False]) == 0.5
    assert auroc([1.0, 2.0], [True, True]) is None


def test_bad_input_is_one_line_and_exit_2(runs, tmp_path, capsys):
    _, root = runs
    code = main(["faithfulness", "--run", str(root / "ff"), "--attack", str(root / "ff"), "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not an attack run" in err[0]


def test_without_an_attack_run_only_the_circuit_is_judged(runs):
    lm, root = runs
    result = rivalry.faithfulness(lm, root / "ff", ks=(1,), limit=2, progress=False)
    assert result.predictions == () and result.attack_auroc is None and result.baseline_auroc is None
    assert len(result.circuit) == 2 and result.ks[0] == 1
