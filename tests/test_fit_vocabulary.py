"""Columns of values from public lists (US states, countries, codes) and pattern columns' shared characters.

A text column whose values are mostly too rare to store is regenerated. When its values are a public list's
(Faker's states, abbreviations, countries, codes), the samples come from that whole list (real names, nothing
of the data stored); a pattern column keeps the letters and digits all its values share (``US-`` of
``US-AL``). Before, both sampled random letters (``HgjhOCVC`` for ``Alabama``, ``XN-QZ`` for ``US-AL``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata._vocab import _lists, detect_vocabulary


def _faker_list(attribute: str) -> list[str]:
    from faker.providers.address.en_US import Provider

    return list(getattr(Provider, attribute))


STATES = _faker_list("states")
ABBREVIATIONS = _faker_list("states_abbr")
TERRITORIES = _faker_list("territories_abbr")


def _frame(column: list[str], name: str = "state") -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({name: column, "votes": rng.normal(50, 10, len(column)).round(2)})


def test_rare_state_names_are_drawn_from_the_whole_public_list():
    """45 states, each in two rows (too rare to store): samples are real state names, the 5 never seen too
    (the whole list, so which states were seen is not given away)."""
    seen = STATES[:45]
    model = sd.fit(_frame(seen * 2), name="votes")
    about = model.info["columns"]["state"]
    assert about["kind"] == "pii" and "state names" in about["why"] and "'state'" in about["why"]
    got = model.sample(5_000, seed=1)["state"]
    assert set(got) <= set(STATES)
    assert set(got) & set(STATES[45:])  # never seen, drawn all the same
    assert len(set(got)) == len(STATES)


def test_state_abbreviations_come_without_territories_unless_the_data_has_some():
    plain = sd.fit(_frame(ABBREVIATIONS * 2), name="votes").sample(5_000, seed=2)["state"]
    assert set(plain) <= set(ABBREVIATIONS)
    with_territories = sd.fit(_frame((ABBREVIATIONS + TERRITORIES[:3]) * 2), name="votes")
    got = set(with_territories.sample(5_000, seed=2)["state"])
    assert got & set(TERRITORIES) and got <= set(ABBREVIATIONS) | set(TERRITORIES) | set(
        _faker_list("freely_associated_states_abbr")
    )


def test_frequent_states_stay_a_category_with_their_own_shares():
    column = ["Texas"] * 60 + ["Ohio"] * 30 + ["Utah"] * 10 + ["Iowa"] * 10 + ["Maine"] * 10
    model = sd.fit(_frame(column), name="votes")
    assert model.info["columns"]["state"]["kind"] == "category"
    shares = model.sample(6_000, seed=3)["state"].value_counts(normalize=True)
    assert set(shares.index) == {"Texas", "Ohio", "Utah", "Iowa", "Maine"}
    assert shares["Texas"] == pytest.approx(0.5, abs=0.03)


def test_three_letter_country_codes_keep_their_representation():
    from faker.providers.address import Provider

    codes = list(Provider.alpha_3_country_codes)[:80]
    model = sd.fit(_frame(codes, name="country"), name="trade")
    got = model.sample(2_000, seed=4)["country"]
    assert set(got) <= set(Provider.alpha_3_country_codes)
    assert "three-letter country codes" in model.info["columns"]["country"]["why"]


def test_a_name_column_of_state_names_is_states_not_people():
    model = sd.fit(_frame(STATES, name="Name"), name="lookup")
    assert set(model.sample(500, seed=5)["Name"]) <= set(STATES)
    assert "whatever the name says" in model.info["columns"]["Name"]["why"]


def test_codes_off_the_lists_and_few_values_are_not_taken_for_a_list():
    assert detect_vocabulary(["QX", "ZZ", "QQ", "XJ", "JX", "AL", "AK"], "en_US") is None  # (2 of 7 on a list)
    assert detect_vocabulary(["Ohio", "Iowa", "Utah", "Texas"], "en_US") is None  # (fewer than 5)
    assert detect_vocabulary(STATES[:20], "xx_XX") is None  # (no such locale: no list)
    found = detect_vocabulary([*STATES[:18], "Puerto Rico", "Guam"], "en_US")  # (18 of 20: 9 in 10)
    assert found is not None and found.provider == "state" and found.hits == 18


def test_a_model_of_a_listed_column_survives_its_file(tmp_path):
    model = sd.fit(_frame(ABBREVIATIONS * 2), name="votes")
    path = tmp_path / "votes.synth.json"
    model.save(path)
    again = sd.load(path)
    assert again.sample(300, seed=6).equals(model.sample(300, seed=6))


def test_locales_without_states_have_no_state_list():
    providers = {lst.provider for lst in _lists("en_GB")}
    assert "state" not in providers and "country" in providers


def test_a_pattern_column_keeps_the_characters_all_its_values_share():
    codes = [f"US-{a}{b}" for a, b in zip("ABCDEFGHIJKLMNOPQRSTUVWXY", "ZYXWVUTSRQPONMLKJIHGFEDCB", strict=True)]
    invoices = [f"INV-2023-{i:04d}X" for i in range(100, 125)]
    df = pd.DataFrame({"iso": codes, "invoice": invoices, "amount": np.arange(25.0)})
    model = sd.fit(df, name="bills", columns={"invoice": "pattern"})
    got = model.sample(400, seed=7)
    assert got["iso"].str.fullmatch(r"US-[A-Z]{2}").all()
    assert got["invoice"].str.fullmatch(r"INV-2023-01\d\dX").all()
    assert got["iso"].nunique() > 100  # (the rest still varies)
    assert not re.search("[a-z]", "".join(got["iso"]))


def test_a_column_of_many_distinct_values_is_not_read_against_the_lists():
    """Far more distinct values than any list holds (free text, ids): answered from the count, and None."""

    class Counted(list):
        reads = 0

        def __iter__(self):
            Counted.reads += 1
            return super().__iter__()

    many = Counted(STATES * 40)  # (2,000 values: more than twice the longest list)
    assert detect_vocabulary(many, "en_US") is None and Counted.reads == 0


def test_a_column_given_as_pii_draws_from_the_list_its_values_come_from():
    """``columns={"state": "pii"}`` on frequent state names (a category otherwise): Faker's state names, not
    random strings."""
    column = ["Texas"] * 60 + ["Ohio"] * 30 + ["Utah"] * 10 + ["Iowa"] * 10 + ["Maine"] * 10
    model = sd.fit(_frame(column), name="votes", columns={"state": "pii"})
    got = set(model.sample(2_000, seed=8)["state"])
    assert got <= set(STATES) and len(got) > 5


def test_a_faker_without_the_territory_keywords_leaves_those_codes_off_the_list():
    from pytest_synthdata import _vocab

    assert _vocab._keywords(None) == frozenset()
    assert "include_territories" in _vocab._keywords(lambda include_territories=True: None)


def test_the_lists_are_the_fit_locales_own():
    """German states under ``locale="de_DE"`` are that locale's list (en_US has no such names)."""
    from pytest_synthdata._pii import faker_for

    german = list(faker_for("de_DE").state.__self__.states)
    assert detect_vocabulary(german, "en_US") is None
    model = sd.fit(_frame(german * 2), name="wahl", locale="de_DE")
    assert set(model.sample(1_000, seed=12)["state"]) <= set(german)
    assert "'state'" in model.info["columns"]["state"]["why"]
