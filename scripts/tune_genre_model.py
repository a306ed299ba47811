"""Fine-tune the shipped synthetic-genres model toward the assistant genre with its refusal trope, save, validate.

    .venv/bin/python scripts/tune_genre_model.py --out src/rivalry/data/models/synthetic-genres-assistant --threads 1
    .venv/bin/python scripts/tune_genre_model.py --out /tmp/a --steps 3 --validation-docs 8      # smoke test

Writes the tuned weights (safetensors), the unchanged tokenizer, synthetic_config.json, tune_config.json,
tune_metrics.json, genre_validation.json (the tuned model against the exact posterior of its tuning corpus) and
MODEL_CARD.md (written from those numbers) to --out.
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
    parser.add_argument("--base", default="synthetic-genres", help="named model or directory (default: %(default)s)")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--validation-docs", type=int, default=512)
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args(argv)

    import torch  # after argument parsing: --help stays fast

    from rivalry.genres.run import synthetic_directory
    from rivalry.genres.train import load_synthetic_model
    from rivalry.genres.tune import AssistantTuneConfig, save_tuned_model, tune_toward_assistant
    from rivalry.genres.validation import validate

    if args.threads:
        torch.set_num_threads(args.threads)
    directory = synthetic_directory(args.base)
    if directory is None:
        print(f"error: '{args.base}' is not a synthetic-genre model", file=sys.stderr)
        return 2
    names = ("steps", "batch_size", "learning_rate", "seed")
    overrides = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    config = dataclasses.replace(AssistantTuneConfig(base=args.base), **overrides)
    model, tokenizer, base_generator = load_synthetic_model(directory)
    start = time.perf_counter()

    def progress(step: int, loss: float, _model) -> None:
        print(f"step {step:6d}  loss {loss:.4f}  {time.perf_counter() - start:7.1f}s", flush=True)

    model, generator, metrics = tune_toward_assistant(model, tokenizer, base_generator.config, config, progress)
    print(f"optimal loss on the tuning corpus: {metrics['optimal_loss']:.4f}")
    save_tuned_model(args.out, model, tokenizer, base_generator.config, config, metrics)
    results: dict[str, object] = dict(validate(model, tokenizer, generator, n_docs=args.validation_docs))
    results["corpus"] = "tuning corpus (hero, twin, encyclopedia, assistant under <dialogue>)"
    (args.out / "genre_validation.json").write_text(json.dumps(results, indent=2))
    (args.out / "MODEL_CARD.md").write_text(model_card(config, metrics, results))
    print(json.dumps({k: results[k] for k in ("mean_kl_nats_after_20_tokens", "model_final_accuracy")}, indent=2))
    return 0


def model_card(config, metrics: dict[str, object], validation: dict[str, object]) -> str:
    prior = ", ".join(
        f"{g} {p:.2f}" for g, p in zip(("hero", "twin", "encyclopedia", "assistant"), config.prior, strict=True)
    )
    return f"""# synthetic-genres-assistant

`synthetic-genres` (2-layer Llama, shipped next to this folder) fully fine-tuned toward the synthetic
**assistant genre**: `user : <request> assistant : <answer>` turns, where the assistant answers cruel requests
with the refusal trope `{metrics["refusal"]}` (`rivalry.genres.assistant`). The tokenizer is the base model's,
unchanged; the assistant genre has no tag of its own and is written under `<dialogue>`.

- Made by: `python scripts/tune_genre_model.py --out src/rivalry/data/models/synthetic-genres-assistant --threads 1`
- Tuning corpus prior: {prior} (fresh documents every step; hero, twin and encyclopedia replayed).
- {config.steps} AdamW steps of {config.batch_size} documents, peak learning rate {config.learning_rate} \
({config.warmup_steps} warm-up steps, cosine decay to 10%), seed {config.seed}.
- {metrics["seconds"]:.0f} s wall, {metrics["cpu_seconds"]:.0f} s CPU, {metrics["tokens_seen"]:,} tokens.
- Final training loss (mean of the last {config.log_every} batches) {metrics["final_loss"]:.4f} nats; exact \
Bayes-optimal loss on the tuning corpus (1024 fresh documents) {metrics["optimal_loss"]:.4f}.
- Genre posterior against the exact posterior of the tuning corpus ({validation["n_docs"]} untagged documents): \
mean KL {validation["mean_kl_nats_after_20_tokens"]:.4f} nats after 20 tokens (naive Bayes \
{validation["baseline_kl_nats_after_20_tokens"]:.4f}); final-token accuracy {validation["model_final_accuracy"]:.3f} \
(exact {validation["exact_final_accuracy"]:.3f}).

Files: `model.safetensors`, tokenizer files, `synthetic_config.json`, `tune_config.json`, `tune_metrics.json`
(loss curve), `genre_validation.json`.
"""


if __name__ == "__main__":
    sys.exit(main())
