"""Compose and validate a run's config without starting a Hydra app (tests, notebooks)."""

from __future__ import annotations

from collections.abc import Sequence

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf, open_dict

from experiments.config import RunConfig, build_run_config

__all__ = ["CONFIG_GROUPS", "load_config"]

CONFIG_GROUPS = ("topology", "scenario", "policy", "dos", "tracking")


def load_config(overrides: Sequence[str] = ()) -> RunConfig:
    """Compose ``conf/`` with Hydra ``overrides`` and validate it, as ``dos-run`` would.

    >>> load_config(["duration=30m", "seed=3"]).duration
    1800.0
    """
    from experiments.run import CONFIG_DIR

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose("config", overrides=list(overrides), return_hydra_config=True)
    choices = cfg.hydra.runtime.choices
    sources = {g: f"conf/{g}/{choices[g]}.yaml" for g in CONFIG_GROUPS if g in choices}
    with open_dict(cfg):
        del cfg["hydra"]
    raw = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(raw, dict)
    return build_run_config(raw, sources)
