"""Readers of recorded series: bad input is sorted, flagged or refused with its row."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pytest

from dos.replay import (
    ReplayError,
    alert_episodes,
    query_range,
    read_csv,
    read_parquet,
    rule_scores,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "series.csv"
    path.write_text(text)
    return path


def test_a_clean_csv_reads_as_utc_seconds(tmp_path: Path) -> None:
    series = read_csv(
        write(tmp_path, "timestamp,value\n2014-02-14 14:30:00,1.5\n2014-02-14 14:35:00,2\n")
    )
    assert series.times.tolist() == [1392388200.0, 1392388500.0]
    assert series.values.tolist() == [1.5, 2.0]
    assert (series.reordered, series.gaps) == (0, 0)


def test_unsorted_rows_are_sorted_and_counted(tmp_path: Path) -> None:
    series = read_csv(write(tmp_path, "timestamp,value\n30,3\n10,1\n20,2\n"))
    assert series.times.tolist() == [10.0, 20.0, 30.0]
    assert series.values.tolist() == [1.0, 2.0, 3.0]
    assert series.reordered == 3


def test_duplicate_timestamps_are_refused_naming_both_rows(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match="rows 2 and 4: duplicate timestamp"):
        read_csv(write(tmp_path, "timestamp,value\n10,1\n20,2\n30,3\n20,4\n"))


def test_a_non_numeric_value_is_refused_with_its_row(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match=r"row 3: value 'high' is not a number"):
        read_csv(write(tmp_path, "timestamp,value\n10,1\n20,2\n30,high\n"))


def test_a_missing_timestamp_is_refused_with_its_row(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match="row 2: missing or unreadable timestamp"):
        read_csv(write(tmp_path, "timestamp,value\n2014-02-14 14:30:00,1\n,2\n"))


def test_nan_runs_are_kept_as_gaps_and_counted(tmp_path: Path) -> None:
    series = read_csv(write(tmp_path, "timestamp,value\n10,1\n20,\n30,nan\n40,NaN\n50,5\n60,\n"))
    assert np.isnan(series.values).tolist() == [False, True, True, True, False, True]
    assert (series.gaps, series.longest_gap) == (4, 3)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match="missing column"):
        read_csv(write(tmp_path, "time,val\n10,1\n"))


def test_parquet_reads_datetime_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(["2014-02-14 14:35", "2014-02-14 14:30"], utc=True),
            "value": [2.0, 1.0],
        }
    )
    frame.to_parquet(tmp_path / "s.parquet")
    series = read_parquet(tmp_path / "s.parquet")
    assert series.times.tolist() == [1392388200.0, 1392388500.0]
    assert series.values.tolist() == [1.0, 2.0]


class _Prometheus(BaseHTTPRequestHandler):
    """Answers range queries as Prometheus' HTTP API does, from a fixed matrix."""

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        if urlparse(self.path).path != "/api/v1/query_range" or query.get("query") != ["up"]:
            body = {"status": "error", "error": "bad query"}
        else:
            start, step = float(query["start"][0]), float(query["step"][0])
            values = [[start + i * step, str(v)] for i, v in enumerate(["1", "0", "NaN", "1"])]
            body = {
                "status": "success",
                "data": {
                    "resultType": "matrix",
                    "result": [{"metric": {"__name__": "up", "job": "cart"}, "values": values}],
                },
            }
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def prometheus() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Prometheus)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_range_query_becomes_one_series_per_result(prometheus: str) -> None:
    (series,) = query_range(prometheus, "up", 1000.0, 1045.0, 15.0)
    assert series.name == 'up{job="cart"}'
    assert series.times.tolist() == [1000.0, 1015.0, 1030.0, 1045.0]
    assert series.values[:2].tolist() == [1.0, 0.0]
    assert series.gaps == 1


def test_a_failed_range_query_names_the_address_and_the_error(prometheus: str) -> None:
    with pytest.raises(ReplayError, match="bad query"):
        query_range(prometheus, "nope", 0.0, 60.0, 15.0)


def test_an_alerting_rule_replays_with_its_for(tmp_path: Path) -> None:
    series = read_csv(
        write(
            tmp_path,
            "timestamp,value\n"
            + "".join(f"{15 * i},{v}\n" for i, v in enumerate([50, 95, 96, 97, 98, 50])),
        )
    )
    fired = rule_scores(series, "value > 90", for_=30.0)
    assert fired.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 0.0]
    (episode,) = alert_episodes(series.times, fired, 0.5)
    assert (episode.start, episode.end) == (45.0, 60.0)
