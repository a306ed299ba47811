"""The forbidden-facts experiment end to end on a tiny chat model: outputs, reproducibility, resume, CLI errors."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from chat_fixtures import forbidden_facts_chat_model, write_facts_file

import rivalry
from rivalry.cli.main import main
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.experiments.forbidden_facts import ForbiddenFactsConfig, ForbiddenFactsResult
from rivalry.io.store import RunStore
from rivalry.report.forbidden_facts import report
from rivalry.report.page import render_page


@pytest.fixture
def facts_file(tmp_path) -> Path:
    return write_facts_file(tmp_path / "facts.jsonl")


@pytest.fixture
def chat_lm():
    return forbidden_facts_chat_model()


def _config(facts_file: Path, **changes) -> ForbiddenFactsConfig:
    settings = dict(facts=str(facts_file), batch_size=2, min_nc_probability=0.0, joint_facts=3, joint_ks=(1, 5))
    settings.update(changes)
    return ForbiddenFactsConfig(**settings)


def test_run_gives_a_consistent_typed_result(chat_lm, facts_file, tmp_path):
    result = rivalry.forbidden_facts(chat_lm, _config(facts_file), progress=False)
    assert result.n_facts_total == 7
    assert result.n_facts_dropped == {"multi_token_answer": 1}
    assert result.n_facts_kept == 6
    assert len(result.sites) == 1 + 2 * 5
    means = [s.effect_mean for s in result.sites]
    assert means == sorted(means)
    assert result.effects.shape == (6, len(result.sites))
    assert [s.effect_mean for s in result.sites] == pytest.approx(
        [float(result.effect_of(s.site).mean()) for s in result.sites]
    )
    assert set(result.k_for_fraction) == {0.8, 0.9, 1.0}
    assert {c.k for c in result.joint_check} >= {1, 5, len(result.sites)}
    assert result.mean_total_effect == pytest.approx(sum(f.total_effect_log10 for f in result.facts) / 6)
    for fact in result.facts:
        lo = [fact.lo_competing, fact.lo_nc_wrong, fact.lo_nc_irrelevant]
        assert fact.total_effect_log10 == pytest.approx(lo[0] - (lo[1] + lo[2]) / 2, abs=1e-6)
    assert result.provenance["model"].name == "tiny-chat"
    assert len(result.to_pandas()) == 6 and len(result.sites_frame()) == len(result.sites)

    out = result.save(tmp_path / "run")
    saved = json.loads((out / "results.json").read_text())
    for key in (
        "model",
        "settings",
        "n_facts_total",
        "n_facts_kept",
        "n_facts_dropped",
        "mean_total_effect_log10",
        "direction",
        "mean_p_correct",
        "sites",
        "cumulative",
        "k_for_fraction",
        "joint_patching_check",
    ):
        assert key in saved  # the documented layout
    assert set(saved["k_for_fraction"]) == {"0.8", "0.9", "1.0"}
    rows = list(csv.DictReader((out / "facts.csv").open()))
    assert len(rows) == 6 and len(list(csv.DictReader((out / "sites.csv").open()))) == len(result.sites)
    loaded = rivalry.load_result(out)
    assert isinstance(loaded, ForbiddenFactsResult) and loaded == result
    assert render_page(report(loaded)) == render_page(report(result))


def test_stored_probabilities_reproduce_with_plain_transformers(chat_lm, facts_file):
    result = rivalry.forbidden_facts(chat_lm, _config(facts_file), progress=False)
    vocab = VocabularyIndex(chat_lm.tokenizer)
    for fact in result.facts:
        ids = vocab.token_set(fact.answer)
        for kind in ("competing", "nc_wrong", "nc_irrelevant"):
            encoded = chat_lm.tokenizer(getattr(fact, f"prompt_{kind}"), add_special_tokens=False, return_tensors="pt")
            with torch.no_grad():
                probs = chat_lm.model(**encoded).logits[0, -1].softmax(-1)
            assert float(probs[ids].sum()) == pytest.approx(fact.p_correct[kind], rel=1e-4, abs=1e-6)


def test_resume_after_crash_gives_identical_results(chat_lm, facts_file, tmp_path):
    clean = rivalry.forbidden_facts(chat_lm, _config(facts_file), progress=False)
    store = RunStore(tmp_path / "crashed", resume=True)
    saved: list[str] = []

    def crash(name: str) -> None:
        saved.append(name)
        if name == "batch-00001":
            raise KeyboardInterrupt

    store.after_save = crash
    with pytest.raises(KeyboardInterrupt):
        rivalry.forbidden_facts(chat_lm, _config(facts_file), store=store, progress=False)
    assert sorted(p.name for p in (tmp_path / "crashed" / "shards").glob("*.json")) == [
        "batch-00000.json",
        "batch-00001.json",
    ]
    saved.clear()
    resumed = rivalry.forbidden_facts(chat_lm, _config(facts_file), store=store, progress=False)
    assert saved[0] == "batch-00002"  # finished batches were read back, not recomputed
    assert resumed == clean


def test_store_refuses_another_run(chat_lm, facts_file, tmp_path):
    out = tmp_path / "run"
    rivalry.forbidden_facts(chat_lm, _config(facts_file), store=RunStore(out), progress=False)
    with pytest.raises(RivalryError, match="--resume"):
        rivalry.forbidden_facts(chat_lm, _config(facts_file), store=RunStore(out), progress=False)
    with pytest.raises(RivalryError, match="different config.batch_size"):
        rivalry.forbidden_facts(chat_lm, _config(facts_file, batch_size=3), store=out, progress=False)
    other = forbidden_facts_chat_model(seed=1)
    with pytest.raises(RivalryError, match="models.model.base_sha256"):
        rivalry.forbidden_facts(other, _config(facts_file), store=out, progress=False)
    with facts_file.open("a") as file:  # the same file name with other content
        file.write(json.dumps({"fact_id": "x", "prompt": "Berlin is in", "answer": "Germany", "wrong_answer": "x"}))
    with pytest.raises(RivalryError, match="inputs.facts"):
        rivalry.forbidden_facts(chat_lm, _config(facts_file), store=out, progress=False)


def test_a_run_that_keeps_nothing_is_explicitly_empty(chat_lm, facts_file, tmp_path):
    result = rivalry.forbidden_facts(chat_lm, _config(facts_file, min_nc_probability=0.999), progress=False)
    assert result.is_empty and result.sites == () and result.mean_total_effect is None
    assert result.direction == "undefined"
    assert (
        result.undefined_reason == "0 of 7 facts kept (low_nc_probability: 6, multi_token_answer: 1); nothing to rank"
    )
    saved = json.loads((result.save(tmp_path / "run") / "results.json").read_text())
    assert saved["mean_total_effect_log10"] is None and saved["direction"] == "undefined"
    assert rivalry.load_result(tmp_path / "run") == result
    with pytest.raises(RivalryError, match="nothing to rank"):
        rivalry.compare(result, result)
    render_page(report(result))  # an empty result still has a page


@pytest.fixture
def model_dir(chat_lm, tmp_path) -> Path:
    path = tmp_path / "tiny-chat-model"
    chat_lm.model.save_pretrained(path)
    chat_lm.tokenizer.save_pretrained(path)
    return path


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "rivalry.cli.main", *args]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300)


def test_cli_resumes_after_kill_9(model_dir, facts_file, tmp_path):
    common = [
        "forbidden-facts",
        "--model",
        str(model_dir),
        "--facts",
        str(facts_file),
        "--batch-size",
        "1",
        "--min-nc-probability",
        "0",
        "--joint-facts",
        "3",
        "--no-progress",
    ]
    clean = _cli(*common, "--out", str(tmp_path / "clean"))
    assert clean.returncode == 0, clean.stderr
    killed = _cli(*common, "--out", str(tmp_path / "run"), env={"RIVALRY_FAULT_KILL_AFTER_BATCH": "2"})
    assert killed.returncode == -9
    assert not (tmp_path / "run" / "results.json").exists()
    resumed = _cli(*common, "--out", str(tmp_path / "run"), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert (tmp_path / "run" / "results.json").read_bytes() == (tmp_path / "clean" / "results.json").read_bytes()
    assert (tmp_path / "run" / "report.html").exists()


def _one_error_line(capsys, argv: list[str]) -> str:
    capsys.readouterr()  # drop what fixtures printed
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith("rivalry: error: ")
    return err


def test_cli_errors_are_one_line(capsys, tmp_path, model_dir, facts_file):
    bad = tmp_path / "bad.csv"
    bad.write_text("fact_id,prompt,answer,wrong_answer\na,Paris is the capital of,France,Spain\nb,x,New York,y\n")
    assert "bad.csv line 3" in _one_error_line(capsys, ["forbidden-facts", "--facts", str(bad)])
    assert "none.jsonl" in _one_error_line(capsys, ["forbidden-facts", "--facts", str(tmp_path / "none.jsonl")])
    assert "unknown model" in _one_error_line(
        capsys, ["forbidden-facts", "--model", "no-such-model", "--facts", str(facts_file)]
    )
    empty = tmp_path / "empty-model"
    empty.mkdir()
    assert "config.json" in _one_error_line(capsys, ["decompose", "hi", "--model", str(empty)])
    message = _one_error_line(
        capsys, ["decompose", "Paris is the capital of", "--model", str(model_dir), "--answer", "Manhattan"]
    )
    assert "answer 'Manhattan' is not a single token" in message
    (model_dir / "model.safetensors").unlink()
    (model_dir / "pytorch_model.bin").write_bytes(b"not really")
    assert "--allow-pickle" in _one_error_line(capsys, ["decompose", "hi", "--model", str(model_dir)])


def test_report_compares_with_another_run(chat_lm, facts_file, tmp_path):
    other = rivalry.Model.wrap(forbidden_facts_chat_model(seed=1).model, chat_lm.tokenizer, name="tiny-chat-b")
    a = rivalry.forbidden_facts(chat_lm, _config(facts_file), progress=False)
    b = rivalry.forbidden_facts(other, _config(facts_file), progress=False)
    comparison = rivalry.compare(a, b)
    html = render_page(report(b, comparison))
    assert "Compared with tiny-chat" in html
    assert comparison.total_effect_change == pytest.approx(b.mean_total_effect - a.mean_total_effect)
    effect_a = {s.site: s.effect_mean for s in a.sites}
    effect_b = {s.site: s.effect_mean for s in b.sites}
    for change in comparison.changes:
        assert change.difference == pytest.approx(effect_b[change.site] - effect_a[change.site])
    assert rivalry.load_result(comparison.save(tmp_path / "cmp")) == comparison
    assert len(comparison.to_pandas()) == len(a.sites)
