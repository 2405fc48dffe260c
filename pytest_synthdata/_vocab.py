"""Values from public lists (US states, countries, codes) found in a column: regenerated from Faker's own list.

A text column whose values are mostly seen fewer than ``min_count`` times
cannot be stored as a category (that would reveal single rows), so fit()
regenerates it. When its distinct values are (9 in 10 at least, and at least
five of them) the names or codes of a public list that the model's Faker
locale holds, the generated values come from that same list rather than from
a random-letter pattern: ``Alabama``, ``AK``, ``France``, ``DEU``, ``EUR``
instead of ``HgjhOCVC``. Nothing of the data is stored (which of the list's
values were seen, or how often, is not): Faker draws from its whole list.

The lists are the locale's own (its address and currency providers):

* state names (``state``) and their postal abbreviations (``state_abbr``,
  with territories and freely associated states only when the column holds
  some);
* country names (``country``), two- and three-letter ISO country codes
  (``country_code``);
* ISO currency codes (``currency_code``).

A locale without such a list (most have no states) is simply not matched
against it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MIN_DISTINCT", "SHARE", "Vocabulary", "detect_vocabulary"]

#: The share of a column's distinct values that must be on one list.
SHARE = 0.9
#: The fewest distinct values on the list: fewer says little (two codes can be anything).
MIN_DISTINCT = 5


@dataclass(frozen=True)
class Vocabulary:
    """A public list a column's values come from: the Faker provider that draws from it, and how many matched."""

    provider: str
    what: str
    hits: int
    looked: int
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def why(self) -> str:
        """``values are state names (50 of 50 distinct values; regenerated from Faker's list, 'state')``."""
        return (
            f"values are {self.what} ({self.hits} of {self.looked} distinct values; "
            f"regenerated from Faker's list, {self.provider!r})"
        )


@dataclass(frozen=True)
class _List:
    provider: str
    what: str
    #: every value on the list, its optional parts' too
    members: frozenset[str]
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: optional parts of the list (value set, the keyword that adds them): asked for only when the column holds some
    extras: tuple[tuple[frozenset[str], str], ...] = ()


def _attribute(fake: Any, method: str, attribute: str) -> tuple[Any, ...]:
    """The list ``attribute`` of the provider behind ``fake.<method>`` (empty when the locale has neither)."""
    bound = getattr(fake, method, None)
    owner = getattr(bound, "__self__", None)
    values = getattr(owner, attribute, None) if owner is not None else None
    return tuple(values) if isinstance(values, (list, tuple)) else ()


def _keywords(method: Any) -> frozenset[str]:
    """The keyword arguments a Faker provider method takes (none when it cannot be inspected)."""
    import inspect

    try:
        return frozenset(inspect.signature(method).parameters)
    except (TypeError, ValueError):
        return frozenset()


@functools.cache
def _lists(locale: str) -> tuple[_List, ...]:
    """The public lists of a Faker locale (loaded once per locale)."""
    from ._pii import faker_for

    fake = faker_for(locale)
    out: list[_List] = []

    def strings(values: tuple[Any, ...]) -> frozenset[str]:
        return frozenset(v for v in values if isinstance(v, str))

    states = strings(_attribute(fake, "state", "states"))
    if states:
        out.append(_List("state", "state names", states))
    abbreviations = strings(_attribute(fake, "state_abbr", "states_abbr"))
    if abbreviations:
        territories = strings(_attribute(fake, "state_abbr", "territories_abbr"))
        associated = strings(_attribute(fake, "state_abbr", "freely_associated_states_abbr"))
        takes = _keywords(getattr(fake, "state_abbr", None))  # (a Faker without a keyword: those codes left out)
        extras = tuple(
            (values, keyword)
            for values, keyword in (
                (territories, "include_territories"),
                (associated, "include_freely_associated_states"),
            )
            if values and keyword in takes
        )
        kwargs = {keyword: False for _, keyword in extras}
        members = abbreviations.union(*(values for values, _ in extras))
        out.append(_List("state_abbr", "state abbreviations", members, kwargs, extras))
    countries = strings(_attribute(fake, "country", "countries"))
    if countries:
        out.append(_List("country", "country names", countries))
    alpha2 = strings(_attribute(fake, "country_code", "alpha_2_country_codes"))
    if alpha2:
        out.append(_List("country_code", "two-letter country codes", alpha2))
    alpha3 = strings(_attribute(fake, "country_code", "alpha_3_country_codes"))
    if alpha3:
        out.append(_List("country_code", "three-letter country codes", alpha3, {"representation": "alpha-3"}))
    currencies = frozenset(
        c[0]
        for c in _attribute(fake, "currency_code", "currencies")
        if isinstance(c, tuple) and c and isinstance(c[0], str)
    )
    if currencies:
        out.append(_List("currency_code", "currency codes", currencies))
    return tuple(out)


def detect_vocabulary(uniques: Any, locale: str) -> Vocabulary | None:
    """Return the public list of ``locale`` that a column's distinct values (an array, Index or list) come from.

    At least :data:`SHARE` of the distinct string values, and at least :data:`MIN_DISTINCT` of them, must be
    on one list (the list matching most wins); None otherwise, and for a locale Faker does not know.
    """
    if len(uniques) < MIN_DISTINCT:
        return None
    try:
        lists = _lists(locale)
    except Exception:  # (an unknown locale: fit reports it where it builds the generated columns)
        return None
    if not lists or len(uniques) > 2 * max(len(lst.members) for lst in lists):
        return None  # (far more distinct values than any list holds: none holds 9 in 10; a long column not read)
    distinct = {v for v in uniques if isinstance(v, str)}
    best: Vocabulary | None = None
    for lst in lists:
        hits = len(distinct & lst.members)
        if hits < MIN_DISTINCT or hits < SHARE * len(distinct) or (best is not None and hits <= best.hits):
            continue
        kwargs = dict(lst.kwargs)
        for extra, keyword in lst.extras:
            if distinct & extra:  # (territory codes seen: the list is drawn with them)
                kwargs[keyword] = True
        best = Vocabulary(lst.provider, lst.what, hits, len(distinct), kwargs)
    return best
