"""Date strings: text columns of ISO 8601 dates are read as timestamps; dates written otherwise are named.

``pd.read_csv`` leaves dates as strings. A column whose values are ISO 8601
dates or datetimes (``2021-03-04``, ``2021-03-04 10:30:00``,
``2021-03-04T10:30:00+01:00``; missing values allowed) is parsed, so fit
models it as a datetime column and samples real dates within the fitted
range; timestamps with UTC offsets are converted to UTC. Nothing else is
guessed: ``03/04/2021`` is the 3rd of April or the 4th of March, so a column
of dates in another format, in several formats (at least half of the values
dates), or of ISO dates mixed with other values or with and without time
zones, is left as text and described (the fit warns with a
``pd.to_datetime`` call that fixes it). The CLI reads CSV dates through the
same function, so ``synthdata fit`` and ``sd.fit`` agree.

Only a bounded, evenly spaced sample of values is matched against the
patterns; the whole column is then checked by ``pd.to_datetime`` itself.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InvalidArgument

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["FIRST_LOOK", "DateText", "parse_format", "read_date_text", "spread_sample", "text_format"]

#: How many values (evenly spaced over the column) are matched against the date patterns.
SAMPLE = 1000
#: How many of them are looked at first (a text column whose values are no dates stops there).
FIRST_LOOK = 100
#: The share of sampled values a pattern must match for the column to be taken as dates written that way.
MOST = 0.9

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)"
_TZ = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"
_MM = r"(?:0?[1-9]|1[0-2])"
_DD = r"(?:0?[1-9]|[12]\d|3[01])"
_ISO = re.compile(rf"\d{{4}}-{_MM}-{_DD}(?:{_TIME}{_TZ}?)?")
_HAS_TZ = re.compile(rf"{_TIME}{_TZ}$")
_TIME_PART = re.compile(r"[ T]\d")
#: The nanosecond timestamps sampling uses reach from 1677 to 2262.
_UTC_MIN, _UTC_MAX = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_CLOCK = r"(?:[ T]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[ap]\.?m\.?)?)?"
#: Dates in other formats: (pattern, how it reads).
_OTHER = (
    # (two-digit years only after slashes: 3.11.12 is more likely a version than a date)
    (re.compile(rf"({_DD})(?:(/)({_DD})/(\d{{4}}|\d{{2}})|([.-])({_DD})\5(\d{{4}})){_CLOCK}", re.I), "day-month-year"),
    (re.compile(rf"(\d{{4}})([/.])({_MM})\2({_DD}){_CLOCK}", re.I), "year-month-day"),
    (re.compile(rf"(?:[a-z]{{3}},? )?{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}{_CLOCK}", re.I), "month name"),
    (re.compile(rf"(?:[a-z]{{3}},? )?\d{{1,2}}(?:st|nd|rd|th)? {_MONTH},? \d{{4}}{_CLOCK}", re.I), "month name"),
)
_ANY = (_ISO, *(p for p, _ in _OTHER))
#: How a date that starts with a letter starts: a month's or a weekday's name.
_NAMES = frozenset("jan feb mar apr may jun jul aug sep oct nov dec mon tue wed thu fri sat sun".split())
#: ``pd.to_datetime`` arguments that read ISO dates mixed with other values (see ``_fix``).
_COERCE = "format='ISO8601', errors='coerce') to make the others missing (then check them"


@dataclass(frozen=True)
class DateText:
    """What a text column's values say about dates: parsed timestamps, or why they were not parsed."""

    #: the column as timestamps (NaT where missing), when every value is an ISO 8601 date or datetime
    parsed: pd.Series | None
    #: why the column was left as text although it looks like dates (a warning for the user), else ""
    problem: str = ""
    #: what the values are, for ``model.info`` (``"ISO 8601 dates"``)
    what: str = ""


def spread_sample(s: pd.Series, present: NDArray[np.bool_], size: int = SAMPLE) -> list[str]:
    """Return at most ``size`` present values of ``s`` as stripped strings, evenly spaced from first to last."""
    at = np.flatnonzero(present)
    if len(at) > size:
        at = at[_spread(len(at), size)]
    if isinstance(s.dtype, np.dtype) and s.dtype.kind == "O":  # (the same objects, without the per-item iterator)
        return [str(v).strip() for v in s.to_numpy()[at].tolist()]
    return [str(v).strip() for v in s.array.take(at).tolist()]


@functools.lru_cache(maxsize=64)
def _spread(n: int, size: int) -> NDArray[np.intp]:
    """``size`` positions evenly spaced over ``n`` (read-only): a fit's columns mostly share their lengths."""
    out = np.linspace(0, n - 1, size).round().astype(np.intp)
    out.flags.writeable = False
    return out


def read_date_text(
    col: str, s: pd.Series, present: NDArray[np.bool_] | None = None, *, first: list[str] | None = None
) -> DateText | None:
    """Return column ``col`` (strings, NaN where missing) parsed as dates, or why it is not; None if not dates.

    ``present`` marks the rows with a value (found from ``s`` when None); ``first`` is
    ``spread_sample(s, present, FIRST_LOOK)``, if taken already.
    """
    if present is None:
        present = ~np.asarray(s.isna(), dtype=bool)
    if first is None:
        first = spread_sample(s, present, FIRST_LOOK)
    # (most text columns are no dates: a quick look first, at how values start, then at the patterns; each
    # distinct value looked at once, counted as often as it was sampled)
    if not first:
        return None
    seen = Counter(first).items()
    if sum(n for v, n in seen if v[:1].isdigit() or v[:3].lower() in _NAMES) < 0.5 * len(first):
        return None
    if sum(n for v, n in seen if any(p.fullmatch(v) for p in _ANY)) < 0.5 * len(first):
        return None
    sample = spread_sample(s, present)
    iso = [v for v in sample if _ISO.fullmatch(v)]
    if len(iso) == len(sample):
        return _parse_iso(col, s, present, iso)
    if len(iso) >= MOST * len(sample):
        bad = next(v for v in sample if not _ISO.fullmatch(v))
        problem = f"column {col!r}: most values are ISO 8601 dates but not all (e.g. {bad!r})"
        return DateText(None, _fix(col, problem, _COERCE))
    for pattern, reads in _OTHER:
        matches = [m for m in map(pattern.fullmatch, sample) if m is not None]
        if len(matches) >= MOST * len(sample):
            formats = _formats(matches, reads)
            if len(formats) > 1:
                written = f"day or month first ({formats[0]!r} and {formats[1]!r} both read every value)"
            else:
                written = f"format {formats[0]!r}"
            return DateText(
                None,
                f"column {col!r} looks like dates written like {matches[0].group(0)!r}, {written}; fit() parses "
                f"only ISO 8601 dates by itself, so it was modelled as text. Give its format, e.g. "
                f"columns={{{col!r}: 'datetime:{formats[0]}'}} (synthdata fit --column "
                f"'{col}=datetime:{formats[0]}'), or parse it first with pd.to_datetime, or give its kind with "
                f"columns={{{col!r}: 'category'}} (or 'pattern').",
            )
    return _several_formats(col, sample)


def _several_formats(col: str, sample: list[str]) -> DateText | None:
    """Why a column of dates written in several formats (``2001-01-01``, ``08/01/2001``, ``Jan 15 2001``), or of
    dates mixed with other values, is left as text: when at least half of the ``sample`` reads as dates in one
    format or another (none in :data:`MOST` of it); else None."""
    seen: dict[str, str] = {}  # how each format reads -> a value written so
    dated = 0
    for v in sample:
        if _ISO.fullmatch(v):
            seen.setdefault("ISO 8601", v)
            dated += 1
            continue
        for pattern, reads in _OTHER:
            if pattern.fullmatch(v):
                seen.setdefault(reads, v)
                dated += 1
                break
    if dated < 0.5 * len(sample):
        return None
    written = ", ".join(f"{reads} ({v!r})" for reads, v in seen.items())
    other = next((v for v in sample if not any(p.fullmatch(v) for p in _ANY)), None)
    more = f", and other values (e.g. {other!r})" if other is not None else ""
    problem = f"column {col!r}: {dated / len(sample):.0%} of its values read as dates, written as {written}{more}"
    return DateText(None, _fix(col, problem, "format='mixed', errors='coerce') (then check day and month order"))


def text_format(col: str, s: pd.Series) -> str | None:
    """The one ``strftime`` format that reads a text column declared ``datetime`` (``21/03/2020``: day first),
    or None when its values are ISO 8601 or in no format found here (pandas reads them); dates that could be
    day or month first raise InvalidArgument naming both formats and how to give one."""
    present = ~np.asarray(s.isna(), dtype=bool)
    sample = spread_sample(s, present)
    if not sample or all(_ISO.fullmatch(v) for v in sample):
        return None
    for pattern, reads in _OTHER:
        matches = [m for m in map(pattern.fullmatch, sample) if m is not None]
        if len(matches) == len(sample):
            formats = _formats(matches, reads)
            if len(formats) > 1:
                raise InvalidArgument(
                    f"column {col!r}: its dates, written like {matches[0].group(0)!r}, read day or month first "
                    f"({formats[0]!r} and {formats[1]!r} both read every value); give the format, e.g. "
                    f"columns={{{col!r}: 'datetime:{formats[0]}'}} (synthdata fit --column "
                    f"'{col}=datetime:{formats[0]}')."
                )
            return formats[0] if "%" in formats[0] else None
    return None


def parse_format(col: str, s: pd.Series, date_format: str) -> pd.Series:
    """Column ``col``'s text read as dates in ``date_format``; a value it does not read raises InvalidArgument."""
    present = ~np.asarray(s.isna(), dtype=bool)
    parsed = pd.to_datetime(s, format=date_format, errors="coerce")
    bad = s[present & ~np.asarray(parsed.notna(), dtype=bool)]
    if len(bad):
        raise InvalidArgument(
            f"column {col!r}: {len(bad)} value(s) do not read as dates in format {date_format!r}, e.g. "
            f"{str(bad.iloc[0])!r}; give the format they are written in, e.g. columns={{{col!r}: "
            "'datetime:%d/%m/%Y'}, or parse the column with pd.to_datetime first."
        )
    return parsed


def _parse_iso(col: str, s: pd.Series, present: NDArray[np.bool_], sample: list[str]) -> DateText:
    """Parse a column whose sampled values are all ISO 8601: every value must parse, with or without a zone."""
    aware = sum(1 for v in sample if _HAS_TZ.search(v))
    mixed = (
        f"column {col!r}: its ISO 8601 timestamps mix values with and without a time zone offset (or offsets "
        "pandas will not put in one column)"
    )
    zones = "format='ISO8601', utc=True"
    if 0 < aware < len(sample):
        return DateText(None, _fix(col, mixed, zones))
    if aware:  # every sampled value has an offset: so must every value (one vectorised check)
        text = s[present].astype(str).str.strip()
        if not text.str.contains(_HAS_TZ.pattern, regex=True).all():
            return DateText(None, _fix(col, mixed, zones))
    try:
        with warnings.catch_warnings():
            # (pandas 2 warns, and then guesses, where a naive value meets an offset: refuse instead)
            warnings.simplefilter("error")
            parsed = pd.to_datetime(s, format="ISO8601", utc=bool(aware))
    except (ValueError, TypeError, FutureWarning, UserWarning) as exc:
        if isinstance(exc, pd.errors.OutOfBoundsDatetime):
            beyond = f"column {col!r}: its ISO 8601 dates reach beyond the years 1677-2262 that sampling holds"
            return DateText(None, _beyond(col, beyond))
        coerced = pd.to_datetime(s.where(present), format="ISO8601", errors="coerce", utc=True)
        bad = s[present & ~np.asarray(coerced.notna(), dtype=bool)]
        if not len(bad):  # every value parses on its own: they mix time zones
            return DateText(None, _fix(col, mixed, zones))
        return DateText(
            None,
            _fix(
                col,
                f"column {col!r}: its values look like ISO 8601 dates but not all of them parse (e.g. {bad.iloc[0]!r})",
                _COERCE,
            ),
        )
    if (parsed.notna().to_numpy() != present).any():  # ("" and the like parse as missing: not a date)
        bad = s[present & ~parsed.notna().to_numpy()]
        return DateText(
            None,
            _fix(
                col,
                f"column {col!r}: its values look like ISO 8601 dates but some are not (e.g. {bad.iloc[0]!r})",
                _COERCE,
            ),
        )
    lowest, highest = parsed.min(), parsed.max()
    first, last = (pd.Timestamp.min, pd.Timestamp.max) if not aware else (_UTC_MIN, _UTC_MAX)
    if lowest < first or highest > last:
        # (sampling uses nanosecond timestamps; pandas 3 parses 9999-12-31, pandas 2 refuses it: both warn)
        outside = lowest if lowest < first else highest
        beyond = (
            f"column {col!r}: its ISO 8601 dates reach beyond the years 1677-2262 that sampling holds "
            f"(to {outside.date()})"
        )
        return DateText(None, _beyond(col, beyond))
    times = any(_TIME_PART.search(v) for v in sample)
    what = "ISO 8601 " + ("datetimes" if times else "dates")
    if aware:
        what += " with UTC offsets, converted to UTC"
    return DateText(parsed, what=what)


def _beyond(col: str, problem: str) -> str:
    return (
        f"{problem}, so it was modelled as text. Replace those dates (sentinels such as 9999-12-31) with None, "
        f"then parse it with pd.to_datetime(df[{col!r}], format='ISO8601'), or give its kind with "
        f"columns={{{col!r}: 'category'}}."
    )


def _fix(col: str, problem: str, how: str) -> str:
    """``problem`` and how to fix it: parse the column with ``pd.to_datetime`` and the arguments ``how``."""
    return (
        f"{problem}, so it was modelled as text. Parse it first, e.g. df[{col!r}] = pd.to_datetime(df[{col!r}], "
        f"{how}), or give its kind with columns={{{col!r}: 'category'}}."
    )


def _formats(matches: list[re.Match[str]], reads: str) -> list[str]:
    """The ``strftime`` formats that read every matched value (two when day and month could swap)."""
    example = matches[0].group(0)
    clock = _clock_format(example)
    if reads == "day-month-year":
        # (groups: day or month, then "/", day or month, year; or "." or "-", day or month, year)
        sep = matches[0].group(2) or matches[0].group(5)
        year = "%Y" if len(matches[0].group(4) or matches[0].group(7)) == 4 else "%y"
        first = max(int(m.group(1)) for m in matches)
        second = max(int(m.group(3) or m.group(6)) for m in matches)
        day_first, month_first = f"%d{sep}%m{sep}{year}", f"%m{sep}%d{sep}{year}"
        if first > 12:
            options = [day_first]
        elif second > 12:
            options = [month_first]
        else:
            options = [month_first, day_first] if sep == "/" else [day_first, month_first]
        return [f + clock for f in options]
    if reads == "year-month-day":
        sep = matches[0].group(2)
        return [f"%Y{sep}%m{sep}%d{clock}"]
    return [_month_name_format(example) + clock]


_CLOCK_END = re.compile(r"([ T]?)\d{1,2}:\d{2}(:\d{2})?(\.\d+)?(\s?[ap]\.?m\.?)?$", re.I)


def _clock_format(value: str) -> str:
    """The time part's format of ``value`` (``" %H:%M"``, ``" %I:%M %p"``, ...), or "" for none."""
    m = _CLOCK_END.search(value)
    if m is None:
        return ""
    sep, seconds, fraction, noon = m.groups()
    out = sep + ("%I" if noon else "%H") + ":%M" + (":%S" if seconds else "") + (".%f" if fraction else "")
    return out + ((" " if noon[0].isspace() else "") + "%p" if noon else "")


def _month_name_format(value: str) -> str:
    """The date part's format of a date with a month name (``"Mar 4 2021"`` -> ``"%b %d %Y"``)."""
    date = re.sub(r"[ T]?\d{1,2}:\d{2}.*$", "", value).strip()
    out = []
    for token in re.split(r"(\s+|,)", date):
        word = token.rstrip(".")
        if not token or token.isspace() or token == ",":
            out.append(token)
        elif word.isdigit():
            out.append("%Y" if len(word) == 4 else "%d")
        elif re.fullmatch(r"\d{1,2}(st|nd|rd|th)", word, re.I):
            out.append("%d" + word[-2:])
        elif len(word) > 3 and re.fullmatch(_MONTH, word, re.I):
            out.append("%B")
        elif re.fullmatch(_MONTH, word, re.I):
            out.append("%b" + ("." if token.endswith(".") else ""))
        else:
            out.append("%a")
    return "".join(out)
