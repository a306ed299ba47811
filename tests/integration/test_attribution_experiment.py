"""``rivalry attribute`` end to end on a tiny chat model: typed result, checks, save/load, report, CLI errors."""

from __future__ import annotations

import pytest
from chat_fixtures import forbidden_facts_chat_model, write_facts_file

import rivalry
from rivalry.cli.main import main
from rivalry.errors import RivalryError
from rivalry.experiments.attribute import AttributeConfig, AttributionResult
from rivalry.experiments.forbidden_facts import ForbiddenFactsConfig
from rivalry.report.attribute import report
from rivalry.report.page import render_page


@pytest.fixture(scope="module")
def chat_lm():
    return forbidden_facts_chat_model()


@pytest.fixture(scope="module")
def ff_run(chat_lm, tmp_path_factory):
    root = tmp_path_factory.mktemp("ff")
    facts = write_facts_file(root / "facts.jsonl")
    config = ForbiddenFactsConfig(facts=str(facts), batch_size=3, min_nc_probability=0.0, joint_facts=0)
    rivalry.forbidden_facts(chat_lm, config, progress=False).save(root / "run")
    return root / "run"


@pytest.fixture(scope="module")
def result(chat_lm, ff_run):
    return rivalry.attribute(
        chat_lm, ff_run, batch_size=3, validate_pairs=24, validate_facts=2, qk_heads=2, graddrop_groups=2,
        progress=False,
    )  # fmt: skip


def test_every_site_at_every_position(result: AttributionResult):
    n_facts = len(result.facts)
    assert n_facts == 6  # "Manhattan" is several tokens: the run dropped it
    assert result.scores.shape[:2] == (n_facts, len(result.site_order))
    assert result.scores.shape[2] == max(len(f.tokens) for f in result.facts)
    assert result.bound is not None and bool((result.bound >= result.scores_linear.abs() - 1e-6).all())
    for i, fact in enumerate(result.facts):
        assert not result.scores[i, :, len(fact.tokens) :].any()  # padding holds nothing
        assert fact.targets == ("nc_wrong", "nc_irrelevant")
        assert fact.tokens[fact.word_positions[-1]].strip("Ġ▁ ") == fact.answer
    assert len(result.validation) == 24
    assert result.agreement_linear is not None and result.agreement_linear.n == 24
    assert result.last_position is not None and result.last_position.n == n_facts
    assert [q.site.kind for q in result.qk] == ["head", "head"]
    assert all(q.max_relative_error < 1e-4 for q in result.qk)


def test_save_load_and_report_are_stable(result, tmp_path):
    result.save(tmp_path / "a")
    again = rivalry.load_result(tmp_path / "a")
    assert isinstance(again, AttributionResult) and again == result
    assert render_page(report(again)) == render_page(report(result))
    assert (tmp_path / "a" / "attribution.safetensors").is_file()
    assert (tmp_path / "a" / "qk.json").is_file()
    header = (tmp_path / "a" / "nodes.csv").read_text().splitlines()[0]
    assert header.startswith("rank,fact_id,site,kind,layer,head,position,token,score")
    frame = again.to_pandas()
    assert len(frame) == len(result.facts) * result.config.csv_top


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, ff_run):
    assert main(["attribute", "--run", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rivalry: error:")
    assert main(["attribute", "--run", str(ff_run), "--batch-size", "0", "--out", str(tmp_path / "o")]) == 2
    assert "batch_size" in capsys.readouterr().err
    with pytest.raises(RivalryError, match="--run"):
        AttributeConfig()
