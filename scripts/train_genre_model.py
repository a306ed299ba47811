"""Train the synthetic-genre Llama, save it, and validate its genre posterior against the exact one.

    .venv/bin/python scripts/train_genre_model.py --out runs/genres            # full run (default settings)
    .venv/bin/python scripts/train_genre_model.py --out /tmp/g --steps 20      # smoke test

Writes the model (safetensors), tokenizer and configs to --out, plus train_metrics.json and genre_validation.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--n-layers", type=int)
    parser.add_argument("--d-model", type=int)
    parser.add_argument("--d-mlp", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--overlap", type=float)
    parser.add_argument("--validation-docs", type=int, default=512)
    parser.add_argument(
        "--eval-every",
        type=int,
        default=500,
        help="print the KL on 128 documents every N steps (a multiple of log_every, 50)",
    )
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args(argv)

    import torch  # after argument parsing: --help stays fast

    from rivalry.genres import GenreGenerator, SyntheticConfig, TrainConfig, validate
    from rivalry.genres.train import save_synthetic_model, synthetic_tokenizer, train_synthetic_model

    if args.threads:
        torch.set_num_threads(args.threads)
    names = ("steps", "batch_size", "learning_rate", "n_layers", "d_model", "d_mlp", "seed")
    overrides = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    synthetic = SyntheticConfig() if args.overlap is None else SyntheticConfig(overlap=args.overlap)
    config = dataclasses.replace(TrainConfig(synthetic=synthetic), **overrides)
    generator = GenreGenerator(config.synthetic)
    start = time.perf_counter()
    eval_curve: list[dict[str, float]] = []

    def progress(step: int, loss: float, model) -> None:
        line = f"step {step:6d}  loss {loss:.4f}  {time.perf_counter() - start:7.1f}s"
        if args.eval_every and step % args.eval_every == 0:
            tokenizer = synthetic_tokenizer(generator)
            quick = validate(model, tokenizer, generator, n_docs=128, seed=999, n_baseline_docs=500)
            eval_curve.append({"step": step, "mean_kl_nats_after_20_tokens": quick["mean_kl_nats_after_20_tokens"]})
            line += f"  KL(exact || model) {quick['mean_kl_nats_after_20_tokens']:.4f} (128 docs)"
        print(line, flush=True)

    model, tokenizer, metrics = train_synthetic_model(config, progress=progress)
    print(f"optimal training loss: {metrics['optimal_loss']:.4f}")
    save_synthetic_model(args.out, model, tokenizer, config, metrics)
    results: dict[str, object] = dict(validate(model, tokenizer, generator, n_docs=args.validation_docs))
    results["train_steps"] = config.steps
    results["train_seconds"] = metrics["seconds"]
    results["train_final_loss"] = metrics["final_loss"]
    results["optimal_loss"] = metrics["optimal_loss"]
    results["eval_curve"] = eval_curve
    (args.out / "genre_validation.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
