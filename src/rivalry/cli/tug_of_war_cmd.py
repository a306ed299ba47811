"""``rivalry tug-of-war``: refusal against the framing's genre for refusable requests, base and tuned."""

from __future__ import annotations

import argparse

from rivalry.cli.common import add_model_options, load_model_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tug-of-war",
        help="jailbreak tug-of-war: P(refusal) vs P(in-genre continuation), plain and in fiction",
        description="For requests a tuned model refuses, framed plainly and inside fiction tropes, scores a refusal "
        "and an in-genre continuation by each model's own likelihood, and reads the genre posterior (header "
        "method) at the end of the prompt (tug_of_war.json, tug_of_war.csv, report.html).",
    )
    parser.add_argument("--base", default="smollm2", help="the base model (default: %(default)s)")
    parser.add_argument("--tuned", default="smollm2-obedient", help="the tuned model (default: %(default)s)")
    parser.add_argument(
        "--requests",
        default=None,
        help="request-set YAML file or shipped name (default: 'synthetic' for synthetic-genre models, else 'smollm2')",
    )
    parser.add_argument("--genre-set", default=None, help="shipped genre set overriding the request set's")
    parser.add_argument("--out", default="runs/tug-of-war", help="output directory (default: %(default)s)")
    add_model_options(parser, default=None)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.errors import RivalryError
    from rivalry.genres.headers import builtin_genre_set
    from rivalry.genres.run import corpus_tag_genre_set, synthetic_directory
    from rivalry.genres.tug_of_war import load_request_set, run_tug_of_war, write_tug_of_war
    from rivalry.genres.tug_of_war_report import summary_lines

    if args.model is not None:
        raise RivalryError("tug-of-war takes --base and --tuned, not --model")
    directory = synthetic_directory(args.base)
    requests = load_request_set(args.requests or ("synthetic" if directory else "smollm2"))
    name = args.genre_set or requests.genre_set
    if name is not None:
        genre_set = builtin_genre_set(name)
    elif directory is not None:  # the base corpus's tags, uniform prior: the same hypotheses for both models
        genre_set = corpus_tag_genre_set(directory)
    else:
        raise RivalryError(f"request set '{requests.name}' names no genre set; pass --genre-set")
    models = {"base": load_model_from_args(args, args.base), "tuned": load_model_from_args(args, args.tuned)}
    results = run_tug_of_war(models, requests, genre_set)
    out = write_tug_of_war(results, args.out)
    for line in summary_lines(results):
        print(line)
    print(f"wrote {out}")
    return 0
