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


def test_a_column_given_as_pii_whose_values_are_emails_samples_emails():
    df = pd.DataFrame({"contact": _emails()})
    out = sd.fit(df, name="people", columns={"contact": "pii"}).sample(50, seed=0)["contact"]
    assert out.map(_is_email).all()


# subnormal floats: kept, never rounded to 0.0 ------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([5e-324, 3e-315, 1e-310, 2e-310], id="few-subnormals-table"),
        pytest.param(np.geomspace(5e-324, 2e-308, 400).tolist(), id="many-subnormals-quantiles"),
        pytest.param([-1e-320, 0.0, 1e-320, 1e-300], id="around-zero"),
        pytest.param(np.linspace(1e-15, 1e-13, 300).tolist(), id="tiny-normals"),
    ],
)
def test_subnormal_and_tiny_floats_do_not_collapse_to_zero(values, tmp_path):
    df = pd.DataFrame({"f": np.resize(np.array(values), 600)})
    model = sd.fit(df, name="tiny")
    assert model.column("f").to_spec().get("decimals") is None  # no grid of whole numbers or decimals
    for m in (model, sd.load(model.save(tmp_path / "tiny.synth.json"))):
        out = m.sample(1000, seed=3)["f"].to_numpy()
        assert out.min() == min(values) and out.max() == max(values)
        assert (out != 0.0).mean() >= (np.array(values) != 0.0).mean() - 0.1
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
