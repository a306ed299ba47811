"""Prompt rendering through a model's own chat template."""

from rivalry.prompts.chat import ChatTurns, encode_batch, render_chat

__all__ = ["ChatTurns", "encode_batch", "render_chat"]
