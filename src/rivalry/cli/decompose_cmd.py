"""``rivalry decompose``: which sites write the top token (or a chosen answer) at the last position."""

from __future__ import annotations

import argparse

from rivalry.cli.common import add_model_options, load_model_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "decompose",
        help="split the last-token residual stream into sites and rank them by their share of a logit",
        description="Exact decomposition of the residual stream at the last token: every site's share of the "
        "top token's logit (direct logit attribution with the final norm's scale of this run, so shares sum "
        "exactly to the logit).",
    )
    parser.add_argument("prompt", help="the text to read (raw text, or the user turn with --chat)")
    parser.add_argument("--chat", action="store_true", help="render the prompt as a user turn of the chat template")
    parser.add_argument("--system", default=None, help="system prompt (with --chat)")
    parser.add_argument("--answer", default=None, help="attribute this one-token answer instead of the top token")
    parser.add_argument("--top", type=int, default=15, help="how many sites to print (default: %(default)s)")
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from rivalry.core.attribution import logit_attribution
    from rivalry.core.decomposition import decompose
    from rivalry.core.vocabulary import VocabularyIndex
    from rivalry.models.anatomy import Anatomy
    from rivalry.prompts.chat import ChatTurns, encode_batch, render_chat

    lm = load_model_from_args(args)
    text = render_chat(lm.tokenizer, ChatTurns(args.system, args.prompt)) if args.chat else args.prompt
    batch = encode_batch(lm.tokenizer, [text], add_special_tokens=not args.chat)
    dec = decompose(lm, batch["input_ids"], batch["attention_mask"])
    probs = Anatomy.of(lm).readout(dec.residual).softmax(-1)[0]
    token = VocabularyIndex(lm.tokenizer).require_token_set(args.answer)[0] if args.answer else int(probs.argmax())
    attribution = logit_attribution(lm, dec, torch.tensor([token]))
    shares = attribution.shares[:, 0]
    order = shares.abs().argsort(descending=True)[: args.top]
    word = lm.tokenizer.decode([token])
    print(
        f"model: {lm.name}   tokens: {int(batch['attention_mask'].sum())}   "
        f"reconstruction error: {dec.reconstruction_error():.1e}"
    )
    print(f"token {word!r} (id {token}): p = {float(probs[token]):.4f}, logit = {float(attribution.logits[0]):.3f}")
    print(f"{'site':<14}{'share of logit':>16}")
    for index in order.tolist():
        print(f"{dec.sites[index].label:<14}{float(shares[index]):>16.3f}")
    print(f"{'(biases)':<14}{float(attribution.constant[0]):>16.3f}")
    return 0
