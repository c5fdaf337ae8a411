"""``dos-run``: one closed-loop run (or a sweep of them with ``-m``), as a Hydra app."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from dos.errors import DOSError
from experiments.config import build_run_config
from experiments.runner import execute
from sim.errors import SimError

__all__ = ["CONFIG_DIR", "main"]

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "conf")

logger = logging.getLogger(__name__)


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> float | None:
    """Run the twin and DOS in a closed loop and write the run's outputs.

    Returns the run's MTTD so that Hydra sweepers (Optuna) can minimise it.
    """
    raw = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(raw, dict)
    try:
        config = build_run_config(raw, _sources())
    except (DOSError, SimError) as error:
        # A bad value is the user's to fix: say which, plainly, and run nothing.
        print(f"dos-run: configuration error: {error}", file=sys.stderr)
        sys.exit(2)
    outcome = execute(config)
    mttd = outcome.scores.get("mttd_s")
    return float(mttd) if isinstance(mttd, int | float) else None


def _sources() -> Mapping[str, str]:
    """Map each config group to the file Hydra read it from."""
    choices: Mapping[str, Any] = HydraConfig.get().runtime.choices
    groups = ("topology", "scenario", "policy", "dos", "tracking")
    return {g: f"conf/{g}/{choices[g]}.yaml" for g in groups if g in choices}


if __name__ == "__main__":
    main()
