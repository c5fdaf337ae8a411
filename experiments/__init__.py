"""Experiments: the closed-loop harness, scoring, tracking, reports and the Hydra apps."""
