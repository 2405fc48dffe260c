"""Edge cases and balanced classes: the rare rows that break code, on purpose.

``edge_cases=0.2`` makes a fifth of the rows edge cases (a tail, a bound, a
rare plan, a missing income, the longest name), each row otherwise realistic;
a failing test lists them in its report. ``balance=`` gives each class an equal
(or chosen) share of the rows.
"""

import pytest
from billing import days_active, retention_by_plan


@pytest.mark.synthdata(rows=500, edge_cases=0.2)
def test_days_active_survive_edge_cases(synth_customers):
    edges = synth_customers.attrs["synthdata"]["edges"].frame  # row, column, kind, detail
    assert len(edges) == 100
    assert {"tail", "bound", "rare", "null", "text"} <= set(edges["kind"])
    assert (days_active(synth_customers) >= 0).all()  # signup on its bound, last login on its own: still in order


def test_every_plan_shows_up_in_a_small_sample(synth_customers_factory):
    df = synth_customers_factory(30, edge_cases=0.5, edge_kinds=["rare"], edge_columns=["plan"])
    assert set(df["plan"]) == {"free", "pro", "enterprise"}  # enterprise is 8% of customers
    assert retention_by_plan(df).notna().all()


def test_balanced_churn_for_a_classifier(synth_customers_factory):
    df = synth_customers_factory(1_001, balance="churned")
    assert df["churned"].value_counts().tolist() == [501, 500]
    older = df.loc[df["churned"], "age"].mean()  # churners keep the model's churners' ages and plans
    assert 30 < older < 60
