"""Refit the example model file from the real data (run where the data lives; CI never does).

    python examples/fit_penguins.py      # needs: pip install palmerpenguins

The real table (344 penguins) stays out of the repository: only
``examples/synthdata/penguins.synth.json`` is committed, and the example tests
sample from it.
"""

from pathlib import Path

import pytest_synthdata as sd


def main() -> None:
    from palmerpenguins import load_penguins

    model = sd.fit(load_penguins(), name="penguins")
    path = model.save(Path(__file__).parent / "synthdata" / "penguins.synth.json")
    print(f"wrote {path}")
    for line in model.withheld:
        print(f"withheld: {line}")


if __name__ == "__main__":
    main()
