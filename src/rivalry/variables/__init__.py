"""Hidden-variable sets: labelled texts with the groups they are split by (see :mod:`rivalry.variables.schema`).

Shipped sets: ``forbidden`` (:func:`forbidden_set`), ``genre`` (:func:`genre_set`), ``eval-deploy``
(:func:`eval_deploy_set`) and ``persona`` (:func:`persona_set`); a user's CSV/YAML file with
:func:`load_variable_file`; any of them by name or path with :func:`load_variable`.
"""

from rivalry.variables.builtin import EVAL_DEPLOY_CLASSES, PERSONA_CLASSES, eval_deploy_set, genre_set, persona_set
from rivalry.variables.forbidden import FORBIDDEN_CLASSES, forbidden_set, organism_heldout_groups
from rivalry.variables.registry import SHIPPED_VARIABLES, forbidden_subset, load_variable
from rivalry.variables.schema import LabelledText, Split, VariableSet, group_split
from rivalry.variables.userfile import load_variable_file

__all__ = [
    "EVAL_DEPLOY_CLASSES",
    "FORBIDDEN_CLASSES",
    "PERSONA_CLASSES",
    "SHIPPED_VARIABLES",
    "LabelledText",
    "Split",
    "VariableSet",
    "eval_deploy_set",
    "forbidden_set",
    "forbidden_subset",
    "genre_set",
    "group_split",
    "load_variable",
    "load_variable_file",
    "organism_heldout_groups",
    "persona_set",
]
