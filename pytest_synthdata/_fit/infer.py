"""Column kinds: inferred from a column's dtype, name and values, or given in ``columns=``.

A column is float, integer, category, boolean, datetime, id, pii, text or
pattern (or null, when every value is missing). Names and values that look
like personal data (an ``email`` column, numbers of five or more digits in a
``phone`` column; values that ``_pii_detect`` finds to be e-mail or IP
addresses, URLs, phone numbers, street addresses, card numbers, IBANs, SSNs or
person names, whatever the column is called) make a pii column, regenerated
with Faker rather than modelled (by the provider the values point to when the
name points to none or to another kind); text of ISO dates is a datetime column
(``dates.py``); distinct whole numbers named like
an id, or counting 1..n, make an id column; strings mostly seen fewer than
``min_count`` times are text or patterns, never stored.
"""

from __future__ import annotations

import ctypes
import functools
import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import _pii_detect, _vocab
from .._schema import Column
from ..errors import DateFormatWarning, InvalidArgument, SynthdataWarning
from .dates import FIRST_LOOK, read_date_text, spread_sample

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "KINDS",
    "PII_STRONG",
    "PII_WEAK",
    "UUID",
    "Factorized",
    "Inferred",
    "all_uuids",
    "dtype_name",
    "id_pattern",
    "infer_kind",
    "magnitudes",
    "null_dtype",
    "number_text",
    "numbers_as_text",
    "override",
    "pii_by_value",
    "pii_provider",
    "plain",
    "whitespace_runs",
]

#: The kinds ``columns=`` overrides may name.
KINDS = ("boolean", "category", "datetime", "float", "id", "ignore", "integer", "pattern", "pii", "text")

UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_UUID = re.compile(UUID)

#: Column-name tokens that always mean personal data (regenerated with Faker, never stored).
PII_STRONG = {
    "email": "email", "mail": "email", "e_mail": "email",
    "phone": "phone_number", "telephone": "phone_number", "mobile": "phone_number", "phone_number": "phone_number",
    "first_name": "first_name", "firstname": "first_name", "given_name": "first_name", "forename": "first_name",
    "last_name": "last_name", "lastname": "last_name", "surname": "last_name", "family_name": "last_name",
    "full_name": "name", "fullname": "name", "customer_name": "name", "person_name": "name", "contact_name": "name",
    "employee_name": "name", "patient_name": "name", "client_name": "name", "user_full_name": "name",
    "name": "name",
    "address": "street_address", "street_address": "street_address", "street": "street_address",
    "address_line": "street_address", "address1": "street_address",
    "ssn": "ssn", "social_security_number": "ssn",
    "iban": "iban", "credit_card": "credit_card_number", "card_number": "credit_card_number",
    "credit_card_number": "credit_card_number", "cc_number": "credit_card_number",
    "ip": "ipv4", "ip_address": "ipv4", "ipv4": "ipv4", "ipv6": "ipv6",
    "username": "user_name", "user_name": "user_name", "login": "user_name", "password": "password",
    "url": "url", "website": "url", "homepage": "url", "license_plate": "license_plate",
}  # fmt: skip
#: Providers whose values are often stored as numbers: a numeric column named so is regenerated too.
_NUMERIC_PII = {"phone_number", "ssn", "credit_card_number"}
#: Tokens that are personal only when the values are too varied to be categories.
PII_WEAK = {
    "city": "city", "town": "city", "zip": "postcode", "zipcode": "postcode", "zip_code": "postcode",
    "postcode": "postcode", "postal_code": "postcode", "company": "company", "employer": "company",
    "country": "country", "job": "job", "occupation": "job", "title": "job",
}  # fmt: skip


@dataclass(frozen=True)
class Factorized:
    """A text column's values as codes (-1 missing) into its distinct values, in order of appearance."""

    codes: NDArray[np.intp]
    uniques: Any
    #: how many rows hold each distinct value, when the values are strings and these are ``pandas.factorize``'s
    #: codes (the profile step reuses them then; a mixed column is factorized otherwise)
    counts: NDArray[np.intp] | None = None


@dataclass(frozen=True)
class Inferred:
    """A column's kind and why; what was found on the way is kept for the fit."""

    kind: str
    why: str
    #: where the column has a value (None for overrides: found when needed)
    present: NDArray[np.bool_] | None = None
    #: a text column's factorized values (categories reuse them)
    factorized: Factorized | None = None
    #: the declaration given in ``columns=`` (kind "declared")
    declared: Column | None = None
    #: the column's values as the fit reads them, when not as given (ISO date strings as timestamps)
    parsed: pd.Series | None = None
    #: the Faker provider of a pii column found from its name or values (None: given in ``columns=``)
    provider: str | None = None
    #: the keyword arguments of that provider (a public list's variant: ``_vocab``)
    provider_kwargs: dict[str, Any] | None = None
    #: the ``strftime`` format of a text column given as ``"datetime:%d/%m/%Y"`` in ``columns=``
    date_format: str | None = None


def infer_kind(col: str, s: pd.Series, *, min_count: int, locale: str = "en_US") -> Inferred:
    """Return a column's kind, and why, from its dtype, name and values (``locale``: the fit's Faker locale,
    whose public lists of states, countries and codes a column of rare values may come from)."""
    dtype = s.dtype
    objects: Factorized | None = None  # a plain object column's values as codes, when they can be hashed
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        present = np.ones(len(s), dtype=bool)  # (these numpy dtypes cannot hold a missing value)
    elif isinstance(dtype, np.dtype) and dtype.kind == "f":
        present = ~np.isnan(s.to_numpy())  # (what isna does for floats, without the Series machinery)
    elif (
        isinstance(dtype, np.dtype) and dtype.kind == "O" and (objects := _factorize_objects(s.to_numpy())) is not None
    ):
        present = objects.codes >= 0  # (factorize's missing values are isna's: one pass finds both)
    else:
        present = ~np.asarray(s.array.isna(), dtype=bool)  # (Series.notna builds a Series: 5x slower)
    if not present.any():
        return Inferred("null", "every value is missing", present)
    family = _dtype_family(dtype)
    if family == "category":
        assert isinstance(dtype, pd.CategoricalDtype)
        kinds = {type(plain(v)) for v in dtype.categories[:1000]}
        if not all(issubclass(t, (str, int, float, bool)) for t in kinds):
            raise InvalidArgument(
                f"column {col!r}: a categorical of {', '.join(sorted(t.__name__ for t in kinds))} values cannot be "
                f"stored in a model file; convert it, e.g. df[{col!r}].astype(str) or to a datetime column."
            )
        if kinds == {str} and (looks := _pii_detect.detect_column(dtype.categories)) is not None:
            return Inferred("pii", looks.why, present, provider=looks.provider)  # (a categorical of names, too)
        return Inferred("category", "categorical dtype", present)
    if family == "complex":
        raise InvalidArgument(
            f"column {col!r}: complex numbers ({dtype}) cannot be modelled; split them into real and "
            f"imaginary columns, or leave the column out with columns={{{col!r}: 'ignore'}}."
        )
    if family == "boolean":
        return Inferred("boolean", _dtype_why(dtype), present)
    if family == "datetime":
        return Inferred("datetime", _dtype_why(dtype), present)
    if family == "timedelta":
        raise InvalidArgument(
            f"column {col!r}: durations ({dtype}) are not supported yet; convert them to numbers, e.g. "
            f"df[{col!r}].dt.total_seconds(), or leave the column out with columns={{{col!r}: 'ignore'}}."
        )
    if family in ("integer", "float"):
        provider = pii_provider(col, PII_STRONG)
        magnitude = magnitudes(s[present]) if provider in _NUMERIC_PII else None
        if magnitude is not None and len(magnitude) and float(np.median(magnitude)) >= 10_000:
            return Inferred(
                "pii",
                f"numbers of 5 or more digits named like personal data (regenerated as digits, Faker {provider!r})",
                present,
            )
        if family == "integer":
            if len(s) > 1 and present.all():  # (an id has every value)
                # (the ends as Python ints, exact: where they make an id, the smaller is 0 or 1 and the larger
                # below the row count, so floats of the values, as this read them before, said the same)
                whole = s.to_numpy() if isinstance(dtype, np.dtype) else s.to_numpy(np.float64)
                named = _id_like_name(col)
                # (counting matters only for a column not named like an id; its smallest value, 0 or 1, first:
                # most columns need no largest)
                low = None if named else int(whole.min())
                counting = low is not None and low in (0, 1) and int(whole.max()) - low + 1 == len(whole)
                # (distinct values are counted only where they would make an id: a hash table, no sort)
                if named or (counting and len(whole) >= 20):
                    if len(pd.unique(whole.astype(np.float64, copy=False))) == len(whole):
                        return Inferred(
                            "id",
                            "distinct whole numbers" + (" named like an id" if named else " 1..n"),
                            present,
                        )
            return Inferred("integer", _dtype_why(dtype), present)
        return Inferred("float", _dtype_why(dtype), present)
    every = bool(present.all())
    plain_objects = isinstance(dtype, np.dtype) and dtype.kind == "O"
    if objects is not None and pd.api.types.infer_dtype(objects.uniques, skipna=True) == "string":
        # every distinct value is a str, so every present value is: a str equals (and hashes like) only a str
        inferred = "string"
    elif plain_objects:  # (the same answer from the array, without the Series' overhead)
        raw = s.to_numpy()
        inferred = pd.api.types.infer_dtype(raw if every else raw[present], skipna=True)
    else:
        inferred = pd.api.types.infer_dtype(s if every else s[present], skipna=True)

    def values() -> pd.Series:
        return s if every else s[present]

    if inferred == "boolean":
        return Inferred("boolean", "True/False values", present)
    if inferred == "integer":
        return Inferred("integer", "whole numbers in an object column", present)
    if inferred in ("floating", "mixed-integer-float", "decimal"):
        return Inferred("float", "numbers in an object column", present)
    if inferred in ("datetime", "datetime64", "date"):
        return Inferred("datetime", "timestamps in an object column", present)
    if inferred in ("mixed", "mixed-integer"):
        mixed = _factorize_mixed(s.to_numpy(dtype=object), objects) if plain_objects else None
        kinds = mixed[1] if mixed is not None else {type(v) for v in values().head(10_000)}
        if all(issubclass(t, (str, int, float, bool, np.integer, np.floating, np.bool_)) for t in kinds):
            return Inferred(
                "category",
                f"mixed value types ({', '.join(sorted(t.__name__ for t in kinds))}), kept as categories",
                present,
                None if mixed is None else mixed[0],
            )
        inferred = "other"
    if inferred != "string":
        names = sorted({type(v).__name__ for v in values().head(1_000)})
        raise InvalidArgument(
            f"column {col!r} holds {', '.join(names)} values, which fit() cannot model; convert it to numbers, "
            f"strings or timestamps, or leave it out with columns={{{col!r}: 'ignore'}}."
        )
    # every present value is a str (infer_dtype says "string")
    first = spread_sample(s, present, FIRST_LOOK)  # (a first look at the values: dates? what a named column holds?)
    dates = read_date_text(col, s, present, first=first)
    if dates is not None and dates.parsed is not None:
        return Inferred("datetime", dates.what, present, parsed=dates.parsed)
    if dates is not None:
        # (stacklevel: the caller of sd.fit, through fit, fit_native, _fit and _read_columns)
        warnings.warn(dates.problem, DateFormatWarning, stacklevel=6)
    n_text = int(np.count_nonzero(present))
    provider = pii_provider(col, PII_STRONG)
    if provider is not None:
        # the values, when they clearly say, over the name ("email_address" holds e-mails, not addresses)
        sampled = list(dict.fromkeys(first))  # (the sampled values, each once)
        looks = _pii_detect.detect_column(sampled)
        if looks is not None and _FAMILY.get(looks.provider, looks.provider) != _FAMILY.get(provider, provider):
            return Inferred("pii", f"{looks.why}, whatever the name says", present, provider=looks.provider)
        listed = _vocab.detect_vocabulary(sampled, locale) if looks is None else None
        if listed is not None:  # (a "name" column of state names)
            return _listed(listed, present, "whatever the name says")
        if looks is not None or _pii_detect.possibly(provider, [v.strip() for v in sampled if isinstance(v, str)]):
            return Inferred("pii", f"name looks like personal data (Faker {provider!r})", present, provider=provider)
        # (values that cannot be what the name says, "address" holding village codes: read as any text is below)
    if objects is None:
        objects = Factorized(*pd.factorize(s.to_numpy() if plain_objects else s, sort=False, use_na_sentinel=True))
    codes, uniques = objects.codes, objects.uniques
    counts = np.bincount(codes if every else codes[codes >= 0], minlength=len(uniques))  # (every: no code -1)
    factorized = Factorized(codes, uniques, counts)  # a category column (and its profile) reuses them
    looks = _pii_detect.detect_column(uniques)
    if looks is not None:  # (whatever the column is called: regenerated, never stored)
        return Inferred("pii", looks.why, present, provider=looks.provider)
    ratio = len(counts) / n_text
    if ratio >= 0.95 and n_text > 1 and every:
        text = values()
        if all_uuids(text):
            return Inferred("id", "distinct UUIDs", present)
        shape = id_pattern(text)
        if shape is not None:
            return Inferred("id", f"distinct values shaped like {shape!r}", present)
    kept_share = float(counts[counts >= min_count].sum()) / n_text
    if kept_share >= 0.5:
        return Inferred("category", f"{len(counts)} distinct values", present, factorized)
    listed = _vocab.detect_vocabulary(uniques, locale)
    if listed is not None:  # (too rare to store, but from a public list: drawn from the whole list)
        return _listed(listed, present, f"most seen fewer than {min_count} times")
    provider = pii_provider(col, PII_WEAK)
    if provider is not None:
        return Inferred(
            "pii", f"varied values named like personal data (Faker {provider!r})", present, provider=provider
        )
    words = float(whitespace_runs(values()).mean()) + 1.0  # (whole numbers: the same bits as pandas' mean)
    if words >= 3.0:
        return Inferred("text", f"free text (about {words:.0f} words per value)", present)
    fix = numbers_as_text(col, first)
    if fix:  # (income read as text, prices written "$1,549.34": numbers, not a pattern)
        example = next(v for v in first if v.casefold() not in MISSING_MARKS)
        warnings.warn(
            f"column {col!r}: its values read as numbers written as text (e.g. {example!r}), modelled as a "
            f"pattern of characters; {fix}"
            + ("" if "'float'" in fix else f" (or give its kind with columns={{{col!r}: 'float'}})"),
            SynthdataWarning,
            stacklevel=6,
        )
    return Inferred("pattern", f"{len(counts)} mostly distinct short strings", present)


def _listed(listed: _vocab.Vocabulary, present: NDArray[np.bool_], when: str) -> Inferred:
    """A column of a public list's values, regenerated from Faker's list (kind pii: generated, never stored)."""
    return Inferred(
        "pii", f"{listed.why}, {when}", present, provider=listed.provider, provider_kwargs=dict(listed.kwargs)
    )


@functools.lru_cache(maxsize=64)
def _dtype_why(dtype: Any) -> str:
    """``"dtype int64"``: why a column of a numeric, boolean or datetime dtype has its kind (numpy's dtype names
    are Python properties: made once per dtype)."""
    return f"dtype {dtype}"


def _factorize_objects(values: NDArray[Any]) -> Factorized | None:
    """Return an object array's codes (-1 where missing) and distinct values, or None if a value cannot be hashed."""
    try:
        return Factorized(*factorize_objects(values))
    except TypeError:  # (lists, dicts: the kind check says which values it cannot model)
        return None


#: Object arrays from this many values are factorized by the objects' identities first (fewer: two
#: factorizations cost more than one).
_BY_IDENTITY = 2048


def factorize_objects(values: NDArray[Any]) -> tuple[NDArray[np.intp], NDArray[Any]]:
    """``pandas.factorize(values, sort=False, use_na_sentinel=True)`` of an object array, the same codes and values.

    A column read from a file holds each distinct string as one object, repeated (pandas' CSV reader and
    pyarrow's ``to_pandas`` deduplicate them), and hashing a string row by row is most of the work. So the
    rows are first factorized by the objects' addresses (the array's own pointers, read as integers: no
    object is touched), and only the distinct objects, in order of first appearance, by their values. That
    gives pandas' codes: both factorizations number values in order of first appearance, and a value's
    first row holds its first object; equal values held by several objects, NaN and None included, meet in
    the second one, which sees each object as the full one would (the same hash table, chosen by the same
    objects' types). Raises TypeError, as pandas does, if a value cannot be hashed.
    """
    if len(values) < _BY_IDENTITY or values.dtype != object or not values.flags.c_contiguous:
        return pd.factorize(values, sort=False, use_na_sentinel=True)  # type: ignore[no-any-return]
    # (a view of the object pointers, read while ``values`` holds them; pd.factorize copies what it keeps)
    addresses = np.ctypeslib.as_array((ctypes.c_ssize_t * len(values)).from_address(values.ctypes.data))
    by_object, objects = pd.factorize(addresses, sort=False)
    # a row of each distinct object, by its code (numbered in order of first appearance): whichever of an
    # object's rows a repeated index writes last, it holds that same object (one scatter, no running maximum)
    holding = np.empty(len(objects), dtype=np.intp)
    holding[by_object] = np.arange(len(values))
    codes, uniques = pd.factorize(values[holding], sort=False, use_na_sentinel=True)
    return codes[by_object], uniques


def _factorize_mixed(values: NDArray[Any], objects: Factorized | None) -> tuple[Factorized, set[type]] | None:
    """Return a mixed object column's factorization keeping ``True`` apart from ``1`` (and ``False`` from ``0``).

    Python and pandas hash ``True`` and ``1`` alike, so ``pd.factorize`` merges them into whichever came
    first; here the rows holding such a value are looked at by type too, so both stay categories (a model
    file writes ``true`` and ``1``, which load back apart). Also returns the value types (of every distinct
    value, not only the first rows'). None when a value cannot be hashed.
    """
    if objects is None:
        return None
    uniques = np.asarray(objects.uniques, dtype=object)
    kinds = set(pd.unique(np.frompyfunc(type, 1, 1)(uniques)))
    could_merge = np.flatnonzero((uniques == 0) | (uniques == 1))  # (elementwise ==: strings never equal 0)
    if not len(could_merge):
        return objects, kinds
    rows = np.flatnonzero(np.isin(objects.codes, could_merge))
    # (only the rows holding a 0 or 1 of some type)
    type_codes, types = pd.factorize(np.frompyfunc(type, 1, 1)(values[rows]), sort=False)
    flags = [issubclass(k, (bool, np.bool_)) for k in types]
    if all(flags) or not any(flags):
        return objects, kinds  # no bool shares a hash with a number
    kinds |= set(types)
    row_bool = np.asarray(flags, dtype=bool)[type_codes]
    is_bool = np.zeros(len(values), dtype=bool)
    is_bool[rows] = row_bool
    at = np.flatnonzero(objects.codes >= 0)
    # (order of first appearance, as pd.factorize gives)
    sub_codes, _ = pd.factorize(2 * objects.codes[at] + is_bool[at], sort=False)
    new_codes = np.full(len(values), -1, dtype=np.intp)
    new_codes[at] = sub_codes
    first = at[np.unique(sub_codes, return_index=True)[1]]
    merged = np.empty(len(first), dtype=object)
    merged[:] = list(values[first])
    return Factorized(new_codes, merged), kinds


def override(col: str, spec: Any) -> Inferred:
    """Return the kind given for ``col`` in ``columns=``: a kind name, a declaration ("declared") or None ("ignore")."""
    why = "given in columns="
    if spec is None:
        return Inferred("ignore", why)
    if isinstance(spec, Column):
        return Inferred("declared", why, declared=spec)
    if isinstance(spec, str) and spec in KINDS:
        return Inferred(spec, why)
    if isinstance(spec, str) and spec.startswith("datetime:") and "%" in spec:  # (dates as text in this format)
        return Inferred("datetime", f"{why} (format {spec[len('datetime:') :]!r})", date_format=spec[9:])
    raise InvalidArgument(
        f"columns={{{col!r}: {spec!r}}}: give a kind ({', '.join(KINDS)}; 'datetime:%d/%m/%Y' for dates written in "
        "that format), a column declaration such as sd.Faker('email'), or None to leave the column out."
    )


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=1024)
def _tokens(name: str) -> tuple[str, ...]:
    """A column name's lower-case words (``"customerEmail"``: customer, email); kept, as a fit asks per column twice."""
    return tuple(t for t in _NOT_ALNUM.split(_CAMEL.sub("_", name).lower()) if t)


def pii_provider(name: str, table: dict[str, str]) -> str | None:
    """Return the Faker provider a column name asks for: the whole name, its last two tokens, or its last token."""
    tokens = _tokens(name)
    if not tokens:
        return None
    for key in ("_".join(tokens), "_".join(tokens[-2:]), tokens[-1]):
        if key in table and (key != "name" or len(tokens) == 1):
            return table[key]
    return None


def _id_like_name(name: str) -> bool:
    tokens = _tokens(name)
    return bool(tokens) and (tokens[-1] in ("id", "uuid", "guid", "key", "code") or name.lower().endswith("id"))


#: Providers that regenerate the same kind of data: values of one never overrule a name asking for another.
_FAMILY = {"first_name": "name", "last_name": "name", "address": "street_address"}


def pii_by_value(distinct: Any) -> str | None:
    """Return the Faker provider a column's distinct string values look like (``_pii_detect``), or None."""
    looks = _pii_detect.detect_column(distinct)
    return None if looks is None else looks.provider


#: A number written as text: optional sign, a leading currency sign, thousands separators, a trailing percent sign.
_NUMBER_TEXT = re.compile(r"[-+]?[$€£¥]?[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?%?")
#: Text that stands for a missing number in files written by other tools (compared stripped and case-folded).
MISSING_MARKS = frozenset({"", ".", "-", "?", "na", "n/a", "nan", "null", "none", "missing"})


def number_text(value: str) -> str | None:
    """``value`` (a number written as text: ``"8780.8"``, ``"1,999"``, ``"12%"``, ``"$1,234.50"``) without its
    currency sign, thousands separators and percent sign, as ``float`` reads it; None when it is no number."""
    value = value.strip()
    if not any(c.isdigit() for c in value) or not _NUMBER_TEXT.fullmatch(value):
        return None
    return value.translate(_UNWRITTEN)


_UNWRITTEN = str.maketrans(dict.fromkeys("$€£¥,%"))


def numbers_as_text(col: str, values: list[Any]) -> str:
    """How to convert column ``col``, when nearly all (90%) of ``values`` (at most 1,000 of them looked at, at least
    20 that are no missing marker such as ``"."``) are numbers or text that reads as one (``"8780.8"``,
    ``"1,999"``, ``"12%"``, ``"$1,234.50"``); else ""."""
    head = [v for v in values[:1_000] if not isinstance(v, (bool, np.bool_))]
    head = [v for v in head if not (isinstance(v, str) and v.strip().casefold() in MISSING_MARKS)]
    if len(head) < 20:
        return ""
    plain_read = formatted = 0
    for v in head:
        if isinstance(v, (int, float, np.integer, np.floating)):
            plain_read += 1
            continue
        text = str(v).strip()
        try:
            float(text)
        except ValueError:
            if number_text(text) is None:
                continue
            formatted += 1
        else:
            plain_read += 1
    if plain_read + formatted < 0.9 * len(head):
        return ""
    if not formatted:
        return f"convert it with pd.to_numeric(df[{col!r}], errors='coerce') to model it as numbers"
    return (
        f"give its kind with columns={{{col!r}: 'float'}}, which reads "
        "them without currency signs, thousands separators and percent signs, or convert it first with "
        f"df[{col!r}] = pd.to_numeric(df[{col!r}].str.replace(r'[$,%]', '', regex=True), errors='coerce')"
    )


def magnitudes(values: pd.Series) -> NDArray[np.float64]:
    """Absolute values of the finite numbers."""
    numbers = np.abs(values.to_numpy(dtype=np.float64, na_value=np.nan))
    return numbers[np.isfinite(numbers)]


#: Up to this many strings, :func:`whitespace_runs` counts in Python (quicker than a pyarrow array of them).
_FEW_STRINGS = 4096
#: Python's ``\s`` (what ``str.isspace`` says of one character) in RE2's syntax, for pyarrow.
_RE2_SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]+"


def whitespace_runs(text: pd.Series) -> NDArray[np.int64]:
    """Return each string's number of runs of whitespace (``text.str.count(r"\\s+")`` of a column with no missing value).

    With pyarrow installed they are counted in one vectorised call rather
    than one regular expression per value.
    """
    if len(text) <= _FEW_STRINGS:
        # (a few strings: counted in Python, where ``str.split`` splits on runs of what ``str.isspace`` says, the
        # characters ``\s`` matches: the runs are the words less one, plus a leading and a trailing run)
        try:
            return np.fromiter(
                (len(v.split()) - 1 + v[0].isspace() + v[-1].isspace() if v else 0 for v in text.tolist()),
                dtype=np.int64,
                count=len(text),
            )
        except (AttributeError, TypeError):  # (a value that is no str: pandas says what it counts)
            pass
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is optional
        return text.str.count(r"\s+").to_numpy(dtype=np.int64)
    counts = pc.count_substring_regex(pa.array(text, type=pa.large_string()), _RE2_SPACE)
    return np.asarray(counts.to_numpy(zero_copy_only=False), dtype=np.int64)


def all_uuids(text: pd.Series) -> bool:
    """Return whether every string is a UUID (a failing first value, then head, answers first, without a match per
    row)."""
    if len(text) and _UUID.fullmatch(str(text.iloc[0])) is None:
        return False  # (the first value says it already, without pandas' string machinery)
    return bool(text.head(1000).str.fullmatch(UUID).all()) and bool(text.str.fullmatch(UUID).all())


_ID_PARTS = re.compile(r"^(\D*?)(\d+)(\D*)$")


def id_pattern(text: pd.Series) -> str | None:
    """Return the format of strings that are one prefix, a number and one suffix (``"ORD-{:06d}"``), or None.

    The prefix and suffix come from the first value; every value is then
    checked with vectorised string functions (the regular expression's
    answer, without a match per row).
    """
    if not len(text):
        return None
    if not hasattr(np, "strings"):  # pragma: no cover - numpy < 2: one match per row
        return _id_pattern_by_regex(text)
    first = _ID_PARTS.match(str(text.iloc[0]))
    if first is None:
        return None
    prefix, suffix = first.group(1), first.group(3)
    values = np.asarray(text.to_numpy(dtype=object), dtype=np.dtypes.StringDType())
    stop = -len(suffix) if suffix else None
    middle = np.strings.slice(values, len(prefix), stop)
    # \d+ between a prefix and a suffix of non-digits: the same prefix, the same suffix, and decimal digits between
    ok = (
        np.strings.startswith(values, prefix).all()
        and np.strings.endswith(values, suffix).all()
        and (np.strings.str_len(values) > len(prefix) + len(suffix)).all()
        and np.strings.isdecimal(middle).all()
    )
    if not ok:
        return None
    prefix, suffix = (part.replace("{", "{{").replace("}", "}}") for part in (prefix, suffix))
    widths = np.strings.str_len(middle)
    padded = bool((widths == widths[0]).all()) and bool(np.strings.startswith(middle, "0").any())
    return f"{prefix}{{:0{int(widths[0])}d}}{suffix}" if padded else f"{prefix}{{:d}}{suffix}"


def _id_pattern_by_regex(text: pd.Series) -> str | None:
    """:func:`id_pattern` by one regular-expression match per row (numpy < 2 has no vectorised strings)."""
    parts = text.str.extract(r"^(\D*?)(\d+)(\D*)$")
    if parts[1].isna().any() or parts[0].nunique() != 1 or parts[2].nunique() != 1:
        return None
    prefix, suffix = (str(parts[k].iloc[0]).replace("{", "{{").replace("}", "}}") for k in (0, 2))
    widths = parts[1].str.len()
    padded = widths.nunique() == 1 and parts[1].str.startswith("0").any()
    return f"{prefix}{{:0{int(widths.iloc[0])}d}}{suffix}" if padded else f"{prefix}{{:d}}{suffix}"


#: numpy dtype kinds by what infer_kind() makes of them ("other": objects and strings, looked at value by value).
_KIND_FAMILY = {
    "c": "complex",
    "b": "boolean",
    "M": "datetime",
    "m": "timedelta",
    "i": "integer",
    "u": "integer",
    "f": "float",
}


def _dtype_family(dtype: Any) -> str:
    """'category', 'complex', 'boolean', 'datetime', 'timedelta', 'integer', 'float' or 'other' for a column dtype.

    numpy dtypes go by their kind (pandas' ``is_*_dtype`` checks give the same answers, slower); extension
    dtypes (nullable, pyarrow, categorical) ask pandas, in this order.
    """
    if isinstance(dtype, np.dtype):
        return _KIND_FAMILY.get(dtype.kind, "other")
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    types = pd.api.types
    for family, check in (
        ("complex", types.is_complex_dtype),
        ("boolean", types.is_bool_dtype),
        ("datetime", types.is_datetime64_any_dtype),
        ("timedelta", types.is_timedelta64_dtype),
        ("integer", types.is_integer_dtype),
        ("float", types.is_numeric_dtype),
    ):
        if check(dtype):
            return family
    return "other"


def dtype_name(dtype: Any) -> str:
    """A dtype's name that pandas_dtype() turns back into the same dtype (string storage included)."""
    if isinstance(dtype, pd.StringDtype) and dtype.na_value is pd.NA:
        return f"string[{dtype.storage}]"
    return str(dtype)


def null_dtype(s: pd.Series) -> str:
    name = str(s.dtype)
    return "float64" if name in ("int64", "int32") else name


def plain(value: Any) -> Any:
    """Return a category value as a plain Python scalar (so it survives JSON)."""
    if isinstance(value, np.generic):
        return value.item()
    return value
