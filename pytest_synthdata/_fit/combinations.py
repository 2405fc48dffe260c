"""Fit step: fixed combinations (``sd.FixedCombinations(["city", "country"])``) as one joint category.

The listed category or boolean columns are replaced, for modelling, by one
hidden category whose values are their combinations (as JSON lists of the
members' values). It is read like any category, so a combination seen in
fewer than ``min_count`` rows is not stored (its rows join the most alike
stored one), and it takes part in the copula, segments and category orders
as any column does. Each member is then a lookup from it (a
``DerivedColumn``), so every sampled row holds a combination the data has,
with the joint frequencies of the data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._constraints import FixedCombinations
from ..errors import InvalidConstraint
from .categories import Categorical, category_column, read_categorical, stored_codes

if TYPE_CHECKING:
    from .._columns import ModelColumn
    from .context import FitContext

__all__ = ["Joint", "joint_categories", "member_columns"]


@dataclass
class Joint:
    """A fixed combination's hidden joint category and what its members need to look their values up."""

    name: str
    members: list[Categorical]
    #: each stored joint value (its label) -> the members' stored codes
    combos: dict[str, tuple[int, ...]]


def joint_categories(
    ctx: FitContext, cats: list[Categorical], constraints: Sequence[Any], taken: Sequence[str]
) -> tuple[list[Categorical], list[Joint]]:
    """Replace the members of each fixed combination in ``cats`` by their joint category.

    ``taken`` are the frame's column names, which a joint column's name must not repeat.
    """
    import pandas as pd

    joints: list[Joint] = []
    by_name = {cat.name: cat for cat in cats}
    used: set[str] = set()
    for fc in (c for c in constraints if isinstance(c, FixedCombinations)):
        members = []
        for col in fc.columns:
            if col in used:
                raise InvalidConstraint(f"constraint '{fc}': column {col!r} is in another fixed combination already.")
            cat = by_name.get(col)
            if cat is None:
                raise InvalidConstraint(
                    f"constraint '{fc}': column {col!r} is not a category or boolean column of this fit; declare it "
                    f"with columns={{{col!r}: 'category'}}."
                )
            if cat.null_rate > 0 or bool((cat.codes < 0).any()):
                raise InvalidConstraint(
                    f"constraint '{fc}': column {col!r} has missing values; fixed combinations take columns without "
                    "them (fill them with a value of their own, such as 'unknown')."
                )
            members.append(cat)
        used.update(fc.columns)
        name = " + ".join(fc.columns)
        if name in taken:
            raise InvalidConstraint(f"constraint '{fc}': the joint column's name {name!r} is a column of the frame.")
        stored = [stored_codes(cat) for cat in members]  # (-1 where a value was withheld)
        sizes = [len(cat.values) + 1 for cat in members]
        key = np.zeros(ctx.n, dtype=np.int64)
        for codes, size in zip(stored, sizes, strict=True):
            key = key * size + (codes + 1)
        unique, inverse = np.unique(key, return_inverse=True)
        decoded = np.empty((len(unique), len(members)), dtype=np.int64)
        rest = unique.copy()
        for j in range(len(members) - 1, -1, -1):
            decoded[:, j] = rest % sizes[j] - 1
            rest //= sizes[j]
        labels = [
            json.dumps([members[j].values[c] if c >= 0 else None for j, c in enumerate(row)], default=str)
            for row in decoded.tolist()
        ]
        series = pd.Series(pd.Categorical.from_codes(inverse.ravel(), categories=pd.Index(labels)))
        joint = read_categorical(name, series, np.ones(ctx.n, dtype=bool), min_count=ctx.min_count, boolean=False)
        combos = {label: tuple(row) for label, row in zip(labels, decoded.tolist(), strict=True)}
        joints.append(Joint(name, members, {v: combos[v] for v in joint.values}))
        cats = [cat for cat in cats if cat.name not in fc.columns] + [joint]
    return cats, joints


def member_columns(joint: Joint, joint_column: Any) -> dict[str, ModelColumn]:
    """The members' lookup columns from the built (hidden) joint column, whose categories are in latent order."""
    from .._columns import DerivedColumn

    out: dict[str, ModelColumn] = {}
    for j, member in enumerate(joint.members):
        base = category_column(member)
        codes = [joint.combos[label][j] for label in joint_column.categories]
        lookup: list[Any] = [bool(c) for c in codes] if member.is_boolean else codes
        out[member.name] = DerivedColumn(member.name, base=base, given=joint.name, lookup=lookup)
    return out
