"""Hidden-variable sets: labelled texts with the groups they are split by (see :mod:`rivalry.variables.schema`)."""

from rivalry.variables.forbidden import FORBIDDEN_CLASSES, forbidden_set, organism_heldout_groups
from rivalry.variables.schema import LabelledText, Split, VariableSet, group_split

__all__ = [
    "FORBIDDEN_CLASSES",
    "LabelledText",
    "Split",
    "VariableSet",
    "forbidden_set",
    "group_split",
    "organism_heldout_groups",
]
