"""Sweeps: bad files fail before any job, serial and Ray runs give the results of direct runs, a killed Ray
worker loses no stored shard, and one run split over two workers equals a single-process run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from chat_fixtures import forbidden_facts_chat_model, write_facts_file

import rivalry
from rivalry.cli.main import main
from rivalry.cli.runtime import torch_threads
from rivalry.experiments.forbidden_facts import ForbiddenFactsConfig
from rivalry.experiments.forbidden_facts.run import run as run_forbidden_facts
from rivalry.io.faults import FAULT_ENV
from rivalry.sweeps import FAILED, parse_sweep, run_sweep, sweep_status
from rivalry.sweeps.execute import finished_result, job_directory

ray = pytest.importorskip("ray")

SMALL = {"batch_size": 2, "min_nc_probability": 0.0, "joint_facts": 3, "joint_ks": [1, 5]}
TEMPLATES = ["Never say {word}.", "Do not say {word}."]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("tiny")
    lm = forbidden_facts_chat_model()
    lm.model.save_pretrained(root / "model")
    lm.tokenizer.save_pretrained(root / "model")
    return {"model": str(root / "model"), "facts": str(write_facts_file(root / "facts.jsonl"))}


@pytest.fixture(scope="module")
def cluster():
    """A local Ray cluster of 2 CPUs for the module (each worker a single-threaded actor)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=80 * 1024**2)
    yield
    ray.shutdown()


def _spec(tiny: dict[str, str], shards: int = 1, **config):
    return parse_sweep(
        {
            "models": {"tiny": {"name": tiny["model"]}},
            "experiments": [
                {
                    "experiment": "forbidden_facts",
                    "config": {"facts": tiny["facts"], **SMALL, **config},
                    "grid": {"system_template": TEMPLATES},
                    "shards": shards,
                }
            ],
        }
    )


def _shard_times(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.glob("jobs/*/shards/*")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("models: {m: {name: no-such-model}}\nexperiments: [{experiment: forbidden_facts}]", "unknown model"),
        (
            "models: {m: smollm2}\nexperiments: [{experiment: forbidden_facts, config: {temperature: 1}}]",
            "unknown setting(s) temperature",
        ),
        ("models: {m: smollm2}\nexperiments: [{experiment: forbidden_facts, grid: {limit: []}}]", "non-empty list"),
        ("models: {m: smollm2}\nexperiments: [{experiment: dance}]", "unknown experiment 'dance'"),
        ("models: {}\nexperiments: [{experiment: forbidden_facts}]", "at least one label"),
        (
            "models: {m: smollm2}\nexperiments: [{experiment: forbidden_facts, grid: {facts: [v1, /no/such.jsonl]}}]",
            "/no/such.jsonl",
        ),
    ],
)
def test_bad_sweep_file_is_one_line_before_any_job(tmp_path, capsys, text, message) -> None:
    file = tmp_path / "sweep.yaml"
    file.write_text(text)
    out = tmp_path / "out"
    assert main(["sweep", "run", str(file), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rivalry: error:") and message in err and "\n" not in err
    assert not out.exists()


def test_serial_sweep_equals_direct_runs_resumes_and_tables(tmp_path, tiny) -> None:
    spec = _spec(tiny)
    out = tmp_path / "sweep"
    with torch_threads(1):
        outcome = run_sweep(spec, out, progress=False)
        assert outcome.finished == 2 and not outcome.failed
        lm = rivalry.load_model(tiny["model"])
        for job in outcome.jobs:
            direct = run_forbidden_facts(lm, job.config, progress=False)
            assert finished_result(out, job) == direct
        before = _shard_times(out)
        again = run_sweep(spec, out, progress=False)
    assert again.finished == 2 and _shard_times(out) == before
    table = (out / "sweep.csv").read_text().splitlines()
    assert len(table) == 3 and all(",finished," in line for line in table[1:])
    assert "model.base_sha256" in table[0] and "config.system_template" in table[0]


def test_a_failed_job_is_recorded_and_the_others_go_on(tmp_path, tiny, capsys) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((Path(tiny["model"]) / "config.json").read_text())
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    file = tmp_path / "sweep.yaml"
    file.write_text(
        f"models: {{good: {{name: {tiny['model']}}}, broken: {{name: {broken}}}}}\n"
        f"experiments: [{{experiment: forbidden_facts, config: {{facts: {tiny['facts']}, batch_size: 4}}}}]\n"
    )
    out = tmp_path / "out"
    assert main(["sweep", "run", str(file), "--out", str(out), "--no-progress"]) == 1
    printed = capsys.readouterr().out
    assert "1 of 2 job(s) finished" in printed and "failed" in printed
    assert main(["sweep", "status", str(out)]) == 0
    status = capsys.readouterr().out
    assert "1 failed, 1 finished" in status
    rows = (out / "sweep.csv").read_text().splitlines()
    assert sum(",failed," in row for row in rows) == 1 and (out / "report.html").exists()


def test_ray_sweep_of_shipped_models_equals_serial(tmp_path, cluster) -> None:
    spec = parse_sweep(
        {
            "models": {"base": "smollm2", "obedient": "smollm2-obedient"},
            "experiments": [
                {
                    "experiment": "forbidden_facts",
                    "config": {"limit": 2, "batch_size": 2, "joint_facts": 2, "joint_ks": [1]},
                    "grid": {"system_template": [TEMPLATES[0], ForbiddenFactsConfig().system_template]},
                }
            ],
        }
    )
    on_ray = run_sweep(spec, tmp_path / "ray", ray_address="auto", progress=False, workers=2)
    with torch_threads(1):
        serial = run_sweep(spec, tmp_path / "serial", progress=False)
    assert on_ray.finished == serial.finished == 4
    for job in serial.jobs:
        a, b = finished_result(tmp_path / "ray", job), finished_result(tmp_path / "serial", job)
        assert a == b and a.provenance == b.provenance
    assert len((tmp_path / "ray" / "sweep.csv").read_text().splitlines()) == 5


def test_killed_worker_without_retries_fails_its_job_and_a_rerun_recomputes_nothing(tmp_path, tiny, cluster) -> None:
    spec = _spec(tiny)
    out = tmp_path / "sweep"
    kill = {FAULT_ENV: "batch-00001"}  # each worker SIGKILLs itself right after storing batch 1 of a job
    first = run_sweep(spec, out, ray_address="auto", progress=False, workers=1, worker_env=kill, retries=0)
    assert all(s.state == FAILED and "worker" in str(s.error) for s in first.statuses), first.statuses
    assert {status.state for _, status in sweep_status(out)} == {FAILED}
    stored = _shard_times(out)
    assert len(stored) >= 4  # batches 0 and 1 of the job in flight (.json and .safetensors each)
    second = run_sweep(spec, out, ray_address="auto", progress=False, workers=2)
    assert second.finished == 2
    after = _shard_times(out)
    assert {name: after[name] for name in stored} == stored  # no finished shard was recomputed
    with torch_threads(1):
        clean = run_sweep(spec, tmp_path / "clean", progress=False)
    for job in clean.jobs:
        assert finished_result(out, job) == finished_result(tmp_path / "clean", job)


def test_killed_worker_is_retried_and_the_sweep_completes(tmp_path, tiny, cluster) -> None:
    spec = _spec(tiny)
    out = tmp_path / "sweep"
    outcome = run_sweep(spec, out, ray_address="auto", progress=False, workers=1, worker_env={FAULT_ENV: "batch-00001"})
    assert outcome.finished == 2
    logs = "".join(p.read_text() for p in (out / "logs").glob("*.log"))
    assert logs.count("start forbidden_facts") == 4  # each job killed once, then resumed from its shards
    with torch_threads(1):
        clean = run_sweep(spec, tmp_path / "clean", progress=False)
    for job in clean.jobs:
        assert finished_result(out, job) == finished_result(tmp_path / "clean", job)


def test_one_run_split_over_two_workers_equals_one_process(tmp_path, tiny, cluster) -> None:
    spec = _spec(tiny, shards=2)
    outcome = run_sweep(spec, tmp_path / "split", ray_address="auto", progress=False, workers=2)
    assert outcome.finished == 2
    logs = "".join(p.read_text() for p in (tmp_path / "split" / "logs").glob("*.log"))
    assert "shard share 0/2" in logs and "shard share 1/2" in logs
    lm = rivalry.load_model(tiny["model"])
    with torch_threads(1):
        for job in outcome.jobs:
            assert finished_result(tmp_path / "split", job) == run_forbidden_facts(lm, job.config, progress=False)
            assert (job_directory(tmp_path / "split", job) / "results.json").exists()
    assert os.environ.get(FAULT_ENV) is None
