"""Hooks held by context managers that always remove themselves, even when the forward pass raises."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from torch import nn


@dataclass(frozen=True)
class Hook:
    """One hook to attach: a forward hook (sees and may replace the output) or a pre-hook (the inputs).

    ``fn`` has the signature of ``register_forward_hook(..., with_kwargs=True)`` for ``"forward"``
    (``fn(module, args, kwargs, output)``) or of ``register_forward_pre_hook(..., with_kwargs=True)``
    for ``"pre"`` (``fn(module, args, kwargs)``, returning ``None`` or a new ``(args, kwargs)``).
    """

    module: nn.Module
    fn: Callable[..., Any]
    when: Literal["forward", "pre"] = "forward"


@contextmanager
def attached(hooks: Sequence[Hook]) -> Iterator[None]:
    """Attach ``hooks`` for the duration of the ``with`` block; remove every one on exit."""
    handles = []
    try:
        for hook in hooks:
            if hook.when == "pre":
                handles.append(hook.module.register_forward_pre_hook(hook.fn, with_kwargs=True))
            else:
                handles.append(hook.module.register_forward_hook(hook.fn, with_kwargs=True))
        yield
    finally:
        for handle in handles:
            handle.remove()


def first_tensor_arg(args: tuple, kwargs: dict, name: str = "hidden_states") -> Any:
    """The main input of a module call, whether passed positionally or by keyword."""
    return args[0] if args else kwargs[name]


def main_output(output: Any) -> Any:
    """The main tensor of a module's output (attention modules return tuples)."""
    return output[0] if isinstance(output, tuple) else output
