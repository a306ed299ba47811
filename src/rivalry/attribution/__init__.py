"""Attribution beyond the last token: AtP at every position (QK fix, GradDrop), real node patching, QK splits."""

from .atp import NodeScores, attribution_patching, model_sites
from .nodes import SitePosition
from .patch import patch_nodes
from .qk import QKHeadSplit, QKSplit, qk_split

__all__ = [
    "NodeScores",
    "QKHeadSplit",
    "QKSplit",
    "SitePosition",
    "attribution_patching",
    "model_sites",
    "patch_nodes",
    "qk_split",
]
