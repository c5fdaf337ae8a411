"""Record a finished run in MLflow: flattened config as params, scores, tags, the run folder.

Tracking comes after the outputs are on disk, and never stops a run: when MLflow fails (a
bad URI, a server that does not answer, a read-only store) the failure is logged as a
warning and :func:`log_run` returns None. An HTTP server that does not answer is retried
by MLflow's own client first; unless the user set ``MLFLOW_HTTP_REQUEST_MAX_RETRIES`` or
``MLFLOW_HTTP_REQUEST_TIMEOUT``, logging bounds them (1 retry, 10 s a request) so that a
dead server costs seconds, not MLflow's default minutes. A relative ``sqlite:///`` path is
taken from the working directory, and its folder is created; artifacts of experiments
created here go beside the database, under ``mlartifacts/``.

Params whose dotted key names a secret (token, key, password, secret, credential) are
never sent. Keys are cut to MLflow's limits and characters it rejects become ``_``;
values are cut to MLflow's length limits.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from mlflow import MlflowClient

__all__ = ["finish_run", "flatten_params", "log_run", "start_parent_run"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

# MLflow's documented limits (mlflow.utils.validation): key and value lengths, batch sizes.
_MAX_KEY = 250
_MAX_PARAM_VALUE = 6000
_MAX_TAG_VALUE = 8000
_PARAMS_PER_BATCH = 100
_METRICS_PER_BATCH = 1000

_SECRET = re.compile(r"token|key|passw|secret|credential", re.IGNORECASE)
_BAD_KEY_CHARS = re.compile(r"[^\w.\- ]")
_SQLITE = "sqlite:///"
_PARENT_TAG = "mlflow.parentRunId"
_COMMIT_TAG = "mlflow.source.git.commit"
_HTTP_LIMITS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"}


def log_run(
    run_dir: Path,
    *,
    params: Mapping[str, object],
    metrics: Mapping[str, float | int | None],
    tags: Mapping[str, str],
    tracking_uri: str,
    experiment: str,
    run_name: str,
    parent_run_id: str | None = None,
) -> str | None:
    """Log one run and its folder as artifacts; return the MLflow run id, None on failure.

    ``params`` is the (nested) config, flattened to dotted keys; metrics that are None are
    skipped; a ``git_commit`` tag is also set as MLflow's source-commit tag.
    """
    with _bounded_http():
        return _log_run(
            run_dir, params, metrics, tags, tracking_uri, experiment, run_name, parent_run_id
        )


@contextmanager
def _bounded_http() -> Iterator[None]:
    """Bound MLflow's HTTP retries and timeout while logging, unless the user set them."""
    saved = {name: os.environ.get(name) for name in _HTTP_LIMITS}
    for name, value in _HTTP_LIMITS.items():
        os.environ.setdefault(name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)


def _log_run(
    run_dir: Path,
    params: Mapping[str, object],
    metrics: Mapping[str, float | int | None],
    tags: Mapping[str, str],
    tracking_uri: str,
    experiment: str,
    run_name: str,
    parent_run_id: str | None,
) -> str | None:
    # MLflow fails through many unrelated types (its own, SQLAlchemy's, HTTP clients',
    # OSError); whichever it is, the run has to go on, so every one is caught.
    try:
        client = _client(tracking_uri)
        experiment_id = _experiment_id(client, experiment, tracking_uri)
        run_tags = _run_tags(tags, parent_run_id)
        run_id: str = client.create_run(
            experiment_id, run_name=run_name, tags=run_tags
        ).info.run_id
    except Exception as error:
        _warn("could not start a run", tracking_uri, error)
        return None
    try:
        _log_batches(client, run_id, flatten_params(params), metrics)
        client.log_artifacts(run_id, str(run_dir))
        client.set_terminated(run_id, "FINISHED")
    except Exception as error:
        _warn(f"could not log run {run_id}", tracking_uri, error)
        _terminate_quietly(client, run_id)
        return None
    logger.info("logged run %s to MLflow experiment %r", run_id, experiment)
    return run_id


def start_parent_run(
    *,
    tracking_uri: str,
    experiment: str,
    run_name: str,
    params: Mapping[str, object] | None = None,
    tags: Mapping[str, str] | None = None,
) -> str | None:
    """Open a run that a sweep's runs hang under; return its id, None on failure."""
    try:
        client = _client(tracking_uri)
        experiment_id = _experiment_id(client, experiment, tracking_uri)
        run = client.create_run(experiment_id, run_name=run_name, tags=_run_tags(tags or {}))
        _log_batches(client, run.info.run_id, flatten_params(params or {}), {})
    except Exception as error:
        _warn("could not start a parent run", tracking_uri, error)
        return None
    parent_id: str = run.info.run_id
    return parent_id


def finish_run(run_id: str, *, tracking_uri: str, failed: bool = False) -> None:
    """Mark a run (a sweep's parent) finished or failed; a failure is only logged."""
    try:
        _client(tracking_uri).set_terminated(run_id, "FAILED" if failed else "FINISHED")
    except Exception as error:
        _warn(f"could not close run {run_id}", tracking_uri, error)


def flatten_params(params: Mapping[str, object]) -> dict[str, str]:
    """Flatten a nested config to dotted keys and text values fit for MLflow params.

    Secrets are dropped; lists become JSON; keys and values are cut to MLflow's limits.

    >>> flatten_params({"dos": {"rules": {"cpu_high": {"threshold": 85.0}}}, "api_token": "x"})
    {'dos.rules.cpu_high.threshold': '85.0'}
    """
    flat: dict[str, str] = {}
    for key, value in _walk(params, ""):
        if _SECRET.search(key):
            continue
        name = _key(key)
        if name in flat:
            logger.debug("param %r clashes with another key once cleaned; keeping the first", key)
            continue
        flat[name] = _redact(_text(value))[:_MAX_PARAM_VALUE]
    return flat


def _walk(node: Mapping[str, object], prefix: str) -> Iterator[tuple[str, object]]:
    """Yield (dotted key, leaf value) pairs of a nested mapping."""
    for key, value in node.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _walk(value, f"{dotted}.")
        else:
            yield dotted, value


def _text(value: object) -> str:
    """Write a leaf value as text: sequences as JSON, everything else with ``str``."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return json.dumps(_plain(value), default=str)
    return str(value)


def _plain(value: object) -> Any:
    """Turn nested sequences and mappings (OmegaConf ones too) into lists and dicts."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_plain(v) for v in value]
    return value


def _key(key: str) -> str:
    """Make ``key`` a valid MLflow key: rejected characters become ``_``, cut to length."""
    return _BAD_KEY_CHARS.sub("_", key)[:_MAX_KEY]


def _client(tracking_uri: str) -> MlflowClient:
    """Return an MLflow client for ``tracking_uri`` (imported late: MLflow is slow to load)."""
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=_resolve(tracking_uri))


def _resolve(tracking_uri: str) -> str:
    """Anchor a relative SQLite path at the working directory and create its folder."""
    if not tracking_uri.startswith(_SQLITE):
        return tracking_uri
    path_text, _, query = tracking_uri[len(_SQLITE) :].partition("?")
    if not path_text or path_text == ":memory:":
        return tracking_uri
    path = Path(path_text).expanduser().absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"{_SQLITE}{path.as_posix()}" + (f"?{query}" if query else "")


def _experiment_id(client: MlflowClient, name: str, tracking_uri: str) -> str:
    """Return the id of experiment ``name``, creating it if it does not exist yet."""
    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    try:
        return str(
            client.create_experiment(name, artifact_location=_artifacts(tracking_uri, name))
        )
    except Exception:
        # Another run of the same sweep may have created it in the meantime.
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return str(found.experiment_id)


def _artifacts(tracking_uri: str, experiment: str) -> str | None:
    """Keep a SQLite store's artifacts beside it rather than in the working directory."""
    resolved = _resolve(tracking_uri)
    if not resolved.startswith(_SQLITE) or ":memory:" in resolved:
        return None
    database = Path(resolved[len(_SQLITE) :].partition("?")[0])
    folder = database.parent / "mlartifacts" / _BAD_KEY_CHARS.sub("_", experiment)
    return folder.as_uri()


def _run_tags(tags: Mapping[str, str], parent_run_id: str | None = None) -> dict[str, str]:
    """Return the run's tags without secrets, plus MLflow's commit and parent tags."""
    out = {_key(k): str(v)[:_MAX_TAG_VALUE] for k, v in tags.items() if not _SECRET.search(k)}
    commit = tags.get("git_commit")
    if commit and commit != "unknown":
        out[_COMMIT_TAG] = commit
    if parent_run_id is not None:
        out[_PARENT_TAG] = parent_run_id
    return out


def _log_batches(
    client: MlflowClient,
    run_id: str,
    params: Mapping[str, str],
    metrics: Mapping[str, float | int | None],
) -> None:
    """Send params and metrics in as few ``log_batch`` calls as MLflow's limits allow."""
    from mlflow.entities import Metric, Param

    now_ms = int(time.time() * 1000)
    numbers = [
        Metric(_key(k), float(v), now_ms, 0)
        for k, v in metrics.items()
        if isinstance(v, int | float)
    ]
    entries = [Param(k, v) for k, v in params.items()]
    for params_chunk in _chunks(entries, _PARAMS_PER_BATCH):
        client.log_batch(run_id, params=params_chunk)
    for metrics_chunk in _chunks(numbers, _METRICS_PER_BATCH):
        client.log_batch(run_id, metrics=metrics_chunk)


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Yield consecutive slices of ``items`` of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _terminate_quietly(client: MlflowClient, run_id: str) -> None:
    """Mark a half-logged run failed, if the store still answers."""
    try:
        client.set_terminated(run_id, "FAILED")
    except Exception as error:
        logger.debug("could not mark run %s failed: %s", run_id, error)


def _warn(what: str, tracking_uri: str, error: Exception) -> None:
    """Log why tracking failed, with any password in the URI hidden."""
    reason = str(error)
    password = _password(tracking_uri)
    if password:
        reason = reason.replace(password, "***")
    logger.warning(
        "MLflow tracking at %s: %s (%s: %s); the run's outputs are on disk regardless",
        _redact(tracking_uri),
        what,
        type(error).__name__,
        reason,
    )


def _redact(text: str) -> str:
    """Hide the password of a URI such as ``https://user:pw@host`` so it is never shown."""
    password = _password(text)
    return text.replace(f":{password}@", ":***@") if password else text


def _password(text: str) -> str | None:
    """Return the password a URI carries, if any."""
    if "://" not in text:
        return None
    try:
        return urlsplit(text).password
    except ValueError:
        return None
