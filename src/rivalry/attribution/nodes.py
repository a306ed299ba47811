"""A site at a position: the node attribution patching scores (a typed value, never a parsed string)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rivalry.core.sites import Site


@dataclass(frozen=True, order=True)
class SitePosition:
    """The output of ``site`` at token ``position`` (a column of the prompt, 0 = its first token)."""

    site: Site
    position: int

    def __post_init__(self) -> None:
        if self.position < 0:
            raise ValueError("a position is a non-negative column index")

    @property
    def label(self) -> str:
        """``L23H3@41``, ``L5.mlp@12``, ``embed@40``."""
        return f"{self.site.label}@{self.position}"

    def to_dict(self) -> dict[str, object]:
        return {**self.site.to_dict(), "position": self.position}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SitePosition:
        return cls(Site.from_dict(data), int(data["position"]))
