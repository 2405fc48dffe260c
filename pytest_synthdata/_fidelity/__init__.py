"""Fidelity: how closely synthetic rows resemble real data, as metrics, a report and assertions.

``reference``   the real side of every metric (real rows now, a model's stored profile later)
``metrics``     vectorised metric kernels (SDMetrics 0.32 definitions), detection, utility, privacy
``report``      ``fidelity_report`` and :class:`FidelityReport`
``html``        the self-contained HTML page of a report (matplotlib, optional)
``assertions``  ``assert_fidelity`` and friends, raising :class:`~pytest_synthdata.errors.FidelityError`
``validate``    ``model.validate(df)``: a frame checked against a model's dtypes, bounds, categories, constraints
``profile``     the fidelity profile a fitted model file stores, and :class:`ProfileReference` over it
"""
