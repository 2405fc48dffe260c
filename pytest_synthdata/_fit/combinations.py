"""Fit step: fixed combinations (``sd.FixedCombinations(["city", "country"])``) as one joint category.

The listed category or boolean columns are replaced, for modelling, by one
hidden category whose values are their combinations (as JSON lists of the
members' values). It is read like any category, so a combination seen in
fewer than ``min_count`` rows is not stored (its rows join the most alike
stored one), and it takes part in the copula, segments and category orders
as any column does. Each member is then a lookup from it (a
``DerivedColumn``), so every sampled row holds a combination the data has,
with the joint frequencies of the data.

Fit also finds such combinations itself (:func:`exclusive_indicators`): 0/1
or boolean columns of which at most one is set in every row (a one-hot or
dummy-coded category such as ``vryhap``, ``hapavg``, ``unhap``). A Gaussian
copula cannot keep them apart: each pair needs a latent correlation near -1,
which no valid correlation matrix gives three or more columns at once, so
their rows would hold two levels at once. As one joint category they never do.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._constraints import FixedCombinations
from ..errors import InvalidConstraint
from .categories import Categorical, category_column, read_categorical, stored_codes
from .constraints import COINCIDENCE

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .._columns import ModelColumn
    from .context import FitContext
    from .numeric import Numbers

__all__ = ["Joint", "exclusive_indicators", "joint_categories", "member_columns"]

#: Rows of the correlation rows screened for pairs of indicators set together (the groups found are then checked
#: on every row).
_SCREEN_ROWS = 1 << 16


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


def exclusive_indicators(
    ctx: FitContext, numbers: Sequence[Numbers], cats: Sequence[Categorical], taken: set[str]
) -> list[FixedCombinations]:
    """Groups of indicator columns of which at most one is set in every row, as fixed combinations to fit.

    Indicators are numeric columns of 0 and 1 and boolean columns, without missing values, each value seen in at
    least ``min_count`` rows; ``taken`` names columns left alone (overridden, or in a declared constraint).
    Columns join groups most common first: a column joins the first group it is never set together with, when
    independent columns would avoid the group's rows that way with probability below :data:`COINCIDENCE` (as
    order relations are found: ``(1 - p q)^n``, ``p`` the column's share of set rows and ``q`` the group's), or
    starts a group of its own. Pairs are screened on the correlation rows, and each group is then checked on
    every row (a group any row breaks is dropped). Groups of two or more are returned.
    """
    n, k = ctx.n, ctx.min_count
    names: list[str] = []
    flags: list[NDArray[np.bool_]] = []
    for num in numbers:
        if num.column in taken or num.unit is not None or not num.present.all():
            continue
        v = num.values
        ones = v == 1.0
        m = int(np.count_nonzero(ones))
        if k <= m <= n - k and int(np.count_nonzero(v == 0.0)) == n - m:
            names.append(num.column)
            flags.append(ones)
    for cat in cats:
        if cat.name in taken or not cat.is_boolean or cat.null_rate > 0 or bool((cat.codes < 0).any()):
            continue
        ones = cat.codes == 1
        m = int(np.count_nonzero(ones))
        if k <= m <= n - k:
            names.append(cat.name)
            flags.append(ones)
    if len(names) < 2:
        return []
    rows = ctx.rows if len(ctx.rows) <= _SCREEN_ROWS else ctx.rows[:: -(-len(ctx.rows) // _SCREEN_ROWS)]
    screen = np.empty((len(rows), len(names)))
    for j, f in enumerate(flags):
        screen[:, j] = f[rows] if len(rows) < n else f
    together = screen.T @ screen  # (counts of rows where both are set: whole numbers, exact)
    share = np.array([np.count_nonzero(f) for f in flags]) / n
    least = math.log(COINCIDENCE)
    groups: list[list[int]] = []
    shares: list[float] = []
    for j in np.argsort(-share, kind="stable").tolist():
        for g, members in enumerate(groups):
            if not together[j, members].any() and n * math.log1p(-min(share[j] * shares[g], 1.0 - 1e-16)) < least:
                members.append(j)
                shares[g] += float(share[j])
                break
        else:
            groups.append([j])
            shares.append(float(share[j]))
    found = []
    for members in groups:
        if len(members) < 2:
            continue
        members.sort()  # (in the frame's order)
        total = np.zeros(n, dtype=np.int64)
        for j in members:
            total += flags[j]
        if int(total.max()) <= 1:  # (every row, not only the screened ones)
            found.append(FixedCombinations([names[j] for j in members]))
    return found
