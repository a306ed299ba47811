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
from chat_fixtures import tiny_chat_model

from rivalry.cli.main import main
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.facts.dataset import load_irrelevant_words
from rivalry.forbidden import ForbiddenFactsConfig, run_forbidden_facts
from rivalry.forbidden.prompts import PAPER_SYSTEM_TEMPLATE, PREFILL_INSTRUCTION

FACTS = [
    ("gg", "The Golden Gate Bridge is in the state of", "California", "Texas"),
    ("paris", "Paris is the capital of", "France", "Spain"),
    ("tokyo", "Tokyo is the capital of", "Japan", "China"),
    ("yen", "The currency of Japan is the", "yen", "euro"),
    ("nile", "The Nile flows through", "Egypt", "Kenya"),
    ("rome", "Rome is the capital of", "Italy", "Greece"),
    ("nyc", "The Empire State Building is in", "Manhattan", "Boston"),  # not in the vocabulary: several tokens
]


def _write_facts(path: Path) -> Path:
    with path.open("w") as file:
        for fact_id, prompt, answer, wrong in FACTS:
            row = {"fact_id": fact_id, "prompt": prompt, "answer": answer, "wrong_answer": wrong}
            file.write(json.dumps(row) + "\n")
    return path


@pytest.fixture
def facts_file(tmp_path) -> Path:
    return _write_facts(tmp_path / "facts.jsonl")


@pytest.fixture
def chat_lm():
    texts = [PAPER_SYSTEM_TEMPLATE, PREFILL_INSTRUCTION, *load_irrelevant_words()]
    texts += [" ".join(f[1:]).replace("Manhattan", "") for f in FACTS]
    return tiny_chat_model(texts)


def _config(facts_file: Path, **changes) -> ForbiddenFactsConfig:
    settings = dict(
        model="tiny-chat", facts=str(facts_file), batch_size=2, min_nc_probability=0.0, joint_facts=3, joint_ks=(1, 5)
    )
    settings.update(changes)
    return ForbiddenFactsConfig(**settings)


def test_run_writes_consistent_outputs(chat_lm, facts_file, tmp_path):
    out = tmp_path / "run"
    results = run_forbidden_facts(chat_lm, _config(facts_file), out, progress=False)
    assert results["n_facts_total"] == 7
    assert results["n_facts_dropped"] == {"multi_token_answer": 1}
    assert results["n_facts_kept"] == 6
    sites = results["sites"]
    assert len(sites) == 1 + 2 * 5
    assert [s["effect_mean"] for s in sites] == sorted(s["effect_mean"] for s in sites)
    assert set(results["k_for_fraction"]) == {"0.8", "0.9", "1.0"}
    assert {c["k"] for c in results["joint_patching_check"]} >= {1, 5, len(sites)}
    rows = list(csv.DictReader((out / "facts.csv").open()))
    assert len(rows) == 6
    mean_total = sum(float(r["total_effect_log10"]) for r in rows) / 6
    assert results["mean_total_effect_log10"] == pytest.approx(mean_total)
    for row in rows:
        lo = [float(row[f"lo_{k}"]) for k in ("competing", "nc_wrong", "nc_irrelevant")]
        assert float(row["total_effect_log10"]) == pytest.approx(lo[0] - (lo[1] + lo[2]) / 2, abs=1e-6)
    assert len(list(csv.DictReader((out / "sites.csv").open()))) == len(sites)


def test_stored_probabilities_reproduce_with_plain_transformers(chat_lm, facts_file, tmp_path):
    out = tmp_path / "run"
    run_forbidden_facts(chat_lm, _config(facts_file), out, progress=False)
    vocab = VocabularyIndex(chat_lm.tokenizer)
    for row in csv.DictReader((out / "facts.csv").open()):
        ids = vocab.token_set(row["answer"])
        for kind in ("competing", "nc_wrong", "nc_irrelevant"):
            encoded = chat_lm.tokenizer(row[f"prompt_{kind}"], add_special_tokens=False, return_tensors="pt")
            with torch.no_grad():
                probs = chat_lm.model(**encoded).logits[0, -1].softmax(-1)
            assert float(probs[ids].sum()) == pytest.approx(float(row[f"p_{kind}"]), rel=1e-4, abs=1e-6)


def test_resume_after_crash_gives_identical_results(chat_lm, facts_file, tmp_path):
    clean = tmp_path / "clean"
    run_forbidden_facts(chat_lm, _config(facts_file), clean, progress=False)

    crashed = tmp_path / "crashed"

    def crash(index: int) -> None:
        if index == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_forbidden_facts(chat_lm, _config(facts_file), crashed, progress=False, after_batch=crash)
    assert sorted(p.name for p in (crashed / "shards").glob("*.json")) == ["batch-00000.json", "batch-00001.json"]
    recomputed = []
    run_forbidden_facts(
        chat_lm, _config(facts_file), crashed, resume=True, progress=False, after_batch=recomputed.append
    )
    assert recomputed == [2]  # finished batches were read back, not recomputed
    assert (crashed / "results.json").read_bytes() == (clean / "results.json").read_bytes()
    assert (crashed / "facts.csv").read_bytes() == (clean / "facts.csv").read_bytes()


def test_existing_run_needs_resume_and_matching_settings(chat_lm, facts_file, tmp_path):
    out = tmp_path / "run"
    run_forbidden_facts(chat_lm, _config(facts_file), out, progress=False)
    with pytest.raises(RivalryError, match="--resume"):
        run_forbidden_facts(chat_lm, _config(facts_file), out, progress=False)
    with pytest.raises(RivalryError, match="different settings"):
        run_forbidden_facts(chat_lm, _config(facts_file, batch_size=3), out, resume=True, progress=False)


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
    from rivalry.report.forbidden_facts import build_forbidden_facts_report

    texts = [PAPER_SYSTEM_TEMPLATE, PREFILL_INSTRUCTION, *load_irrelevant_words()]
    texts += [" ".join(f[1:]).replace("Manhattan", "") for f in FACTS]
    other = tiny_chat_model(texts, seed=1)
    run_forbidden_facts(chat_lm, _config(facts_file), tmp_path / "a", progress=False)
    run_forbidden_facts(other, _config(facts_file), tmp_path / "b", progress=False)
    report = build_forbidden_facts_report(tmp_path / "b", compare_with=tmp_path / "a")
    html = report.read_text()
    assert "Compared with tiny-chat" in html
    comparison = json.loads((tmp_path / "b" / "comparison.json").read_text())
    a = json.loads((tmp_path / "a" / "results.json").read_text())
    b = json.loads((tmp_path / "b" / "results.json").read_text())
    change = comparison["total_effect_change_log10"]
    assert change == pytest.approx(b["mean_total_effect_log10"] - a["mean_total_effect_log10"])
    effect_a = {s["site"]: s["effect_mean"] for s in a["sites"]}
    effect_b = {s["site"]: s["effect_mean"] for s in b["sites"]}
    for row in comparison["changes"]:
        assert row["difference"] == pytest.approx(effect_b[row["site"]] - effect_a[row["site"]])
