"""Fidelity: how closely a frame matches a model (validation, profile, metrics, reports, assertions)."""
