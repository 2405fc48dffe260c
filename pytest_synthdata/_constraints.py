"""Order constraints between columns (``a < b``, ``a <= b``): the declaration and their order of enforcement.

Schemas declare them; fitted models detect them in the data or take them
from ``fit(constraints=...)``; both store them as ``(low, high, strict)``
triples, enforced by the model's constraint stage (``_model``) in an order
where every column comes after the columns it must exceed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .errors import InvalidConstraint

__all__ = ["LessThan", "dependency_order", "order_by_dependency"]


class LessThan:
    """Cross-column constraint ``low < high`` (or ``<=`` with ``strict=False``), true in every row.

    Built by construction: where a row's draw violates it, ``high`` is redrawn
    from its own distribution conditioned to lie above ``low``; rows are never
    dropped. Rows where either value is null satisfy it vacuously. Schemas also accept the strings
    ``"a < b"``, ``"a <= b"``, ``"b > a"`` and ``"b >= a"``.

    >>> LessThan("signup_date", "last_login")
    LessThan('signup_date', 'last_login', strict=True)
    """

    _PATTERN = re.compile(r"^\s*(\w+)\s*(<=|>=|<|>)\s*(\w+)\s*$")

    def __init__(self, low: str, high: str, *, strict: bool = True) -> None:
        self.low = low
        self.high = high
        self.strict = strict

    @classmethod
    def parse(cls, text: str) -> LessThan:
        """Return the constraint written as ``"a < b"`` (also ``<=``, ``>``, ``>=``)."""
        m = cls._PATTERN.match(text)
        if m is None:
            raise InvalidConstraint(
                f"constraint {text!r} is not of the form 'a < b' (or <=, >, >=) with two column names."
            )
        a, op, b = m.groups()
        if op in (">", ">="):
            a, b = b, a
        return cls(a, b, strict=op in ("<", ">"))

    def __repr__(self) -> str:
        return f"LessThan({self.low!r}, {self.high!r}, strict={self.strict})"

    def __str__(self) -> str:
        return f"{self.low} {'<' if self.strict else '<='} {self.high}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LessThan) and (self.low, self.high, self.strict) == (
            other.low,
            other.high,
            other.strict,
        )

    __hash__ = None  # type: ignore[assignment]


def dependency_order(constraints: Sequence[tuple[str, str, bool]], *, where: str) -> list[str]:
    """Return the constrained columns in an order where each comes after the columns it must exceed.

    Kahn's topological sort of the graph low -> high; a cycle (``a < b`` and
    ``b <= a``) can never hold and raises :class:`InvalidConstraint` naming its
    columns (``where`` says whose constraints they are).
    """
    succs: dict[str, list[str]] = {}
    indegree: dict[str, int] = {}
    for low, high, _ in constraints:
        succs.setdefault(low, []).append(high)
        indegree.setdefault(low, 0)
        indegree[high] = indegree.get(high, 0) + 1
    topo = [n for n, d in indegree.items() if d == 0]
    for n in topo:  # (topo grows while we iterate)
        for m in succs.get(n, []):
            indegree[m] -= 1
            if indegree[m] == 0:
                topo.append(m)
    if len(topo) < len(indegree):
        cycle = [n for n, d in indegree.items() if d > 0]
        raise InvalidConstraint(
            f"{where}: constraints between {cycle} form a cycle (e.g. a < b and b < a) and can never hold."
        )
    return topo


def order_by_dependency(constraints: Sequence[tuple[str, str, bool]], *, where: str) -> list[tuple[str, str, bool]]:
    """Return ``(low, high, strict)`` constraints sorted by :func:`dependency_order` of their ``high`` column."""
    rank = {n: i for i, n in enumerate(dependency_order(constraints, where=where))}
    return sorted(constraints, key=lambda c: rank[c[1]])
