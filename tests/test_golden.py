"""Golden outputs: the same seed gives the same rows across changes, or the change says so.

See ``tests/golden/cases.py``. A failure here means a change gives other rows
for a seed than the committed samples: if that is a bug, fix it; if it is
meant, run ``python -m tests.golden.cases`` and add a CHANGELOG line saying
which models sample differently.
"""

from __future__ import annotations

import json

import pytest
from golden import cases

import pytest_synthdata as sd


def _first_difference(expected, got):
    for col, values in expected.items():
        if col not in got:
            return f"column {col!r} is missing"
        for i, (a, b) in enumerate(zip(values, got[col], strict=False)):
            if a != b:
                return f"column {col!r} row {i}: committed {a!r}, now {b!r}"
        if len(values) != len(got[col]):
            return f"column {col!r}: {len(values)} committed rows, now {len(got[col])}"
    return f"columns {list(expected)} != {list(got)}"


@pytest.mark.parametrize(
    ("case", "index"), [(case, i) for case, made in cases.models().items() for i in range(len(made))]
)
def test_the_same_seed_gives_the_committed_rows(case, index):
    how, model = cases.models()[case][index]
    expected = json.loads((cases.HERE / f"{case}.samples.json").read_text(encoding="utf-8"))
    got = cases.samples(model)
    for name in cases.SAMPLES:
        assert got[name] == expected[name], (
            f"{case} ({how}), sample {name!r} {cases.SAMPLES[name]}: {_first_difference(expected[name], got[name])}. "
            "If this change is meant to give other rows, run `python -m tests.golden.cases` and say so in CHANGELOG.md."
        )


def test_committed_model_files_are_the_current_format_and_still_load():
    """A model file written by this release must load in every later one (see the versioning policy)."""
    from pytest_synthdata._artifact import VERSION

    for path in sorted(cases.HERE.glob("*.synth.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["version"] <= VERSION
        model = sd.load(path)
        assert len(model.sample(3, seed=1)) == 3
