"""Personal data found by its values: one detector for fit inference and ``synthdata audit``.

A column's distinct values (at most :data:`SAMPLE` of them, evenly spaced) are
matched against the shapes personal data takes, whatever the column is called:

* e-mail addresses, URLs, IPv4 and IPv6 addresses;
* IBANs (country, check digits, passing the mod-97 check), card numbers
  (13 to 19 digits passing the Luhn check), US social security numbers
  (``123-45-6789``);
* phone numbers: 7 to 15 digits in the usual national and international
  formats (a leading ``+`` or separators; a bare run of digits is not taken
  for one, nor a decimal number or a date);
* street addresses: a number and a street word (``12 Main St``, ``5 Oak
  Avenue Apt. 3``), a street word and a number (``Hauptstraße 5``,
  ``Kerkstraat 12``, ``rue de la Paix 8``, ``Calle Mayor, 5``), on the first
  line of a multi-line address;
* person names: two to five capitalised words whose first is a first name and
  whose last is a last or first name (``Maria Garcia``, ``Dr. James Smith``,
  ``J. Smith``, ``Garcia, Maria``, ``Sanne van de Elzas``), and single first or
  last names when nearly every value is one. The names are Faker's lists for
  several locales, loaded once, when first needed.

A column is taken for a kind only when most sampled values have it (9 in 10
for the exact shapes, 8 in 10 for addresses, 6 in 10 for full names, 9 in 10
for single names and at least three distinct ones), so a column of cities,
products or job titles stays a category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

__all__ = ["KINDS", "SAMPLE", "Detection", "Kind", "detect", "detect_column", "names", "sample_distinct", "value_kind"]

#: How many distinct values (evenly spaced) a column is judged by.
SAMPLE = 200


@dataclass(frozen=True)
class Kind:
    """A kind of personal data: its Faker provider, and what one value and many values are called."""

    provider: str
    one: str
    many: str
    #: the share of sampled distinct values that must have this kind
    most: float


#: The kinds, by key, in the order a value is matched against them.
KINDS = {
    "email": Kind("email", "an e-mail address", "e-mail addresses", 0.9),
    "url": Kind("url", "a URL", "URLs", 0.9),
    "ipv4": Kind("ipv4", "an IP address", "IPv4 addresses", 0.9),
    "ipv6": Kind("ipv6", "an IP address", "IPv6 addresses", 0.9),
    "iban": Kind("iban", "an IBAN", "IBANs", 0.9),
    "credit_card_number": Kind("credit_card_number", "a card number", "card numbers", 0.9),
    "ssn": Kind("ssn", "a social security number", "US social security numbers", 0.9),
    "phone_number": Kind("phone_number", "a phone number", "phone numbers", 0.9),
    "street_address": Kind("street_address", "a street address", "street addresses", 0.8),
    "address": Kind("address", "a postal address", "postal addresses (several lines)", 0.8),
    "name": Kind("name", "a person's name", "person names", 0.6),
    "first_name": Kind("first_name", "a person's name", "first names", 0.9),
    "last_name": Kind("last_name", "a person's name", "last names", 0.9),
}


#: The lowest share any kind asks for (no column passes with fewer values of one kind).
_LOWEST_BAR = min(kind.most for kind in KINDS.values())


@dataclass(frozen=True)
class Detection:
    """What a column's values look like: the kind's key (its Faker provider), how many sampled values have it."""

    key: str
    hits: int
    looked: int

    @property
    def provider(self) -> str:
        """The Faker provider that regenerates the column."""
        return KINDS[self.key].provider

    @property
    def what(self) -> str:
        """What the values are, e.g. ``person names``."""
        return KINDS[self.key].many

    @property
    def why(self) -> str:
        """``values look like person names (87 of 100 sampled distinct values; Faker 'name')``."""
        return f"values look like {self.what} ({self.hits} of {self.looked} sampled distinct values; Faker {self.provider!r})"


_H = r"[0-9a-fA-F]{1,4}"
_IPV4 = r"((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)"
# eight groups, or fewer around one "::" (an embedded IPv4 tail such as ::ffff:10.0.0.1 included)
_IPV6 = rf"({_H}:){{7}}{_H}|(({_H}:){{0,6}}{_H})?::(({_H}:){{0,6}}({_H}|{_IPV4}))?"
_SHAPES = (
    ("email", re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")),
    ("url", re.compile(r"(https?|ftp)://\S+|www\.[\w-]+\.\S+", re.I)),
    ("ipv4", re.compile(_IPV4)),
    ("ipv6", re.compile(_IPV6)),
)
#: What every kind but a full name needs somewhere in an ASCII value: a digit, '@', ':' or "www." (see value_kind).
_SIGNS = re.compile(r"[0-9@:]|www\.", re.I)
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_CARD = re.compile(r"\d{4}([ -]?\d{2,7}){2,4}|\d{13,19}")
_SSN = re.compile(r"\d{3}-\d{2}-\d{4}")
_PHONE = re.compile(r"\+?[\d().\s-]+?(\s*(x|ext\.?|extension)\s*\d{1,6})?", re.I)
#: number-like strings a phone pattern would take: decimals, thousands in groups of three, dates, spans of years
#: (a season "2003-2004", "1998 - 2001")
_NOT_PHONE = re.compile(
    r"\d+\.\d+|\d{1,3}([ .]\d{3})+|\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4}"
    r"|(1[5-9]|20)\d\d\s*[-/]\s*(1[5-9]|20)\d\d"
)

_STREET_WORDS = (
    "street|st|avenue|ave|av|road|rd|lane|ln|boulevard|blvd|drive|dr|court|ct|way|place|pl|terrace|ter|"
    "circle|cir|highway|hwy|parkway|pkwy|square|sq|trail|trl|crescent|cres|close|row|alley|plaza|grove|"
    "gardens|loop|mews"
)
#: 12 Main St(reet), 5 Oak Avenue Apt. 3: a number, at least one word, a street word
_NUMBER_FIRST = re.compile(
    rf"\d+[a-zA-Z]?(-\d+)?,?\s+([^\W\d]\S*\s+){{1,5}}({_STREET_WORDS})\b\.?([\s,].*)?", re.I | re.S
)
_BEFORE = (
    "rue|avenue|boulevard|bd|chemin|allée|impasse|place|quai|calle|c/|avenida|avda|paseo|plaza|camino|ronda|"
    "carrer|via|viale|piazza|piazzale|corso|largo|vicolo|contrada|rua|travessa|praça|alameda|estrada|rodovia"
)
#: rue de la Paix 8, 8, rue de la Paix, Calle Mayor, 5, Via Roma 10
_WORD_FIRST = re.compile(
    rf"(\d+[a-zA-Z]?,?\s+)?({_BEFORE})\.?\s+[^\W\d][\w'.-]*(\s+[^\W\d][\w'.-]*){{0,5}},?\s*(\d+[a-zA-Z]?\b.*)?",
    re.I | re.S,
)
_AFTER = (
    "straße|strasse|str\\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|straat|laan|plein|gracht|kade|singel|"
    "dijk|steeg|hof"
)
#: Hauptstraße 5, Berliner Str. 12a, Kerkstraat 12
_WORD_AFTER = re.compile(
    rf"(([^\W\d][\w'.-]*\s+){{0,3}}[^\W\d][\w'-]*?|([^\W\d][\w'.-]*\s+){{1,3}})({_AFTER})\s*\d+[a-zA-Z]?([\s,/-].*)?",
    re.I | re.S,
)

_TITLES = frozenset(
    "dr dr. mr mr. mrs mrs. ms ms. miss mx mx. prof prof. sir dame herr frau mme mme. mlle sr sr. sra sra. "
    "dott. dott sig. sig".split()
)
_SUFFIXES = frozenset("jr jr. sr sr. ii iii iv md m.d. phd ph.d. dds dvm esq esq.".split())
_PARTICLES = frozenset("van von de der den del della di da do dos das du la le ter ten y e bin ibn".split())
_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*(['’-][^\W\d_]+)*")
_INITIAL = re.compile(r"[^\W\d_]\.?")
_NAME_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "nl_NL", "pl_PL", "sv_SE")


@cache
def names() -> tuple[frozenset[str], frozenset[str]]:
    """Lower-case first names and last names from Faker's person providers of several locales (loaded once)."""
    import importlib

    first: set[str] = set()
    last: set[str] = set()
    for locale in _NAME_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:  # pragma: no cover - (a Faker without this locale)
            continue
        for attr, into in (
            ("first_names", first),
            ("first_names_male", first),
            ("first_names_female", first),
            ("last_names", last),
            ("last_names_male", last),
            ("last_names_female", last),
            ("male_last_names", last),
            ("female_last_names", last),
            ("unisex_last_names", last),
        ):
            for name in getattr(provider, attr, ()):
                if isinstance(name, str) and " " not in name:
                    into.add(name.lower())
    return frozenset(first), frozenset(last)


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _iban(text: str) -> bool:
    compact = text.replace(" ", "")
    if not _IBAN.fullmatch(compact):
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _card(text: str) -> bool:
    if not _CARD.fullmatch(text):
        return False
    digits = text.replace(" ", "").replace("-", "")
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _phone(text: str) -> bool:
    if not _PHONE.fullmatch(text) or _NOT_PHONE.fullmatch(text):
        return False
    main = re.split(r"\s*(?:x|ext\.?|extension)\s*\d", text, maxsplit=1, flags=re.I)[0]
    digits = sum(c.isdigit() for c in main)
    separated = main.startswith("+") or any(c in main for c in " ().-")
    # (a phone number ends in a group of digits, an ISBN such as 978-0-306-40615-7 in a check digit)
    last_group = re.search(r"\d+$", main)
    return 7 <= digits <= 15 and separated and last_group is not None and len(last_group[0]) >= 2


def _street(text: str) -> bool:
    line = text.split("\n", 1)[0].strip()
    return bool(_NUMBER_FIRST.fullmatch(line) or _WORD_FIRST.fullmatch(line) or _WORD_AFTER.fullmatch(line)) and any(
        c.isdigit() for c in line
    )


def _full_name(text: str, first: frozenset[str], last: frozenset[str]) -> bool:
    if "," in text:  # Garcia, Maria / Smith, J. / Smith, Jr.
        head, _, tail = text.partition(",")
        if tail.strip().lower() not in _SUFFIXES:
            if "," in tail:
                return False
            text = f"{tail.strip()} {head.strip()}"
    words = text.split()
    titled = False
    while words and words[0].lower() in _TITLES:
        words, titled = words[1:], True
    while words and words[-1].lower().rstrip(",") in _SUFFIXES:
        words = words[:-1]
    words = [w for i, w in enumerate(words) if not (0 < i < len(words) - 1 and w.lower() in _PARTICLES)]
    if not 2 <= len(words) <= 5:
        return False
    if not all(w[:1].isupper() and (_NAME_WORD.fullmatch(w) or _INITIAL.fullmatch(w)) for w in words):
        return False
    given, family = words[0], words[-1]
    family_parts = [p.lower() for p in re.split(r"[-’']", family) if p]
    family_known = any(p in last or p in first for p in family_parts)
    if _INITIAL.fullmatch(given):  # J. Smith, J. R. Smith
        return len(family) > 2 and (family_known or titled)
    given_known = any(p.lower() in first for p in given.split("-"))
    return (given_known and (family_known or titled)) or (titled and family_known and len(family) > 2)


def value_kind(value: str) -> str | None:
    """Return the key in :data:`KINDS` one value looks like on its own (a single first or last name: None)."""
    text = value.strip()
    if not text or text.isalpha():
        # (letters only - one word, no digit, '@', ':' or '.' - match no shape, number, street or full name)
        return None
    if text.isdecimal():
        # (digits only - what ``\d`` matches - have no '@', '.', ':', dash, separator or word: of every kind
        # below, only a card number can be one)
        return "credit_card_number" if _card(text) else None
    if text.isascii() and _SIGNS.search(text) is None:
        # (ASCII text without a digit, '@', ':' or 'www.' - a name, a title, a label: of every kind below, only
        # a full name can be one; one search instead of every pattern)
        first, last = names()
        return "name" if _full_name(text, first, last) else None
    for key, shape in _SHAPES:
        if shape.fullmatch(text):
            return key
    if text[:1].isalpha() and _iban(text):
        return "iban"
    if text[:1].isdigit() and _card(text):
        return "credit_card_number"
    if _SSN.fullmatch(text):
        return "ssn"
    if _phone(text):
        return "phone_number"
    if _street(text):
        return "address" if "\n" in text else "street_address"
    first, last = names()
    if _full_name(text, first, last):
        return "name"
    return None


def sample_distinct(uniques: Any, size: int = SAMPLE) -> list[str]:
    """At most ``size`` of the distinct string values, evenly spaced over them, stripped (non-strings dropped)."""
    n = len(uniques)
    at = np.linspace(0, n - 1, size).round().astype(np.intp) if n > size else np.arange(n)
    values = uniques.take(at) if hasattr(uniques, "take") else [uniques[i] for i in at]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def detect(values: list[str]) -> Detection | None:
    """Return what most of these distinct values look like, or None (see the module docstring for the bar)."""
    if not values:
        return None
    looked = len(values)
    found: dict[str, int] = {}
    hits = 0
    # once every kind has fallen short of its bar whatever the values left are, they are not looked at
    reach = _LOWEST_BAR * looked
    for seen, v in enumerate(values, 1):
        key = value_kind(v)
        if key is not None:
            found[key] = found.get(key, 0) + 1
            hits += 1
        elif hits + looked - seen < reach:
            found = {}
            break
    if found.get("address"):  # a column with some multi-line addresses: addresses
        found["address"] += found.pop("street_address", 0)
    if found:
        key, hits = max(found.items(), key=lambda kv: kv[1])
        if hits >= KINDS[key].most * looked:
            return Detection(key, hits, looked)
    if looked >= 3:
        first, last = names()
        single = [v for v in values if " " not in v and v[:1].isupper()]
        if len(single) < KINDS["first_name"].most * looked:
            return None
        # each value's lower-case parts (a double name's two) when it has a name's shape, found once for both lists
        parts = [v.lower().split("-") if _NAME_WORD.fullmatch(v) is not None else None for v in single]
        is_first = [p is not None and all(part in first for part in p) for p in parts]
        is_last = [p is not None and all(part in last for part in p) for p in parts]
        n_first, n_last = sum(is_first), sum(is_last)
        n_any = sum(a or b for a, b in zip(is_first, is_last, strict=True))
        if n_any >= KINDS["first_name"].most * looked:
            return Detection("first_name" if n_first >= n_last else "last_name", n_any, looked)
    return None


#: What a value needs to be possibly of a provider a column's name asks for (a street address has a space, an
#: e-mail an "@"): a column named ``address`` holding village codes (``beilian2``) is no PII. Names have no such
#: sign (a single rare name is one word): a column named so stays PII whatever it holds.
_POSSIBLE = {
    "street_address": lambda v: " " in v or "\n" in v,
    "email": lambda v: "@" in v,
    "phone_number": lambda v: sum(c.isdigit() for c in v) >= 5,
    "ssn": lambda v: sum(c.isdigit() for c in v) >= 9,
    "credit_card_number": lambda v: sum(c.isdigit() for c in v) >= 12,
    "ipv4": lambda v: "." in v and any(c.isdigit() for c in v),
    "ipv6": lambda v: ":" in v,
    "url": lambda v: "." in v or "/" in v,
}


def possibly(provider: str, values: list[str]) -> bool:
    """Whether most of these distinct values could be what ``provider`` makes (a column's name asked for it, its
    values did not say): at least half of them have its least sign; a provider with no sign takes any."""
    test = _POSSIBLE.get(provider)
    if test is None or not values:
        return True
    return sum(bool(test(v)) for v in values) >= 0.5 * len(values)


def detect_column(uniques: Any) -> Detection | None:
    """Return what a column's distinct values (an array, Index or list of them) look like, or None."""
    return detect(sample_distinct(uniques))
