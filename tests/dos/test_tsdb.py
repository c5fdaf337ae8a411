"""The in-memory series store: appends, ordering, stale markers, selection."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dos.errors import DOSError
from dos.promql import Engine
from dos.telemetry import STALE_NAN, MetricScrape, is_stale, labels_of
from dos.tsdb import Matcher, MatchOp, OutOfOrderSampleError, Series, SeriesStore, StoreError

CPU_A = labels_of("cpu", pod="a", service="cart")
CPU_B = labels_of("cpu", pod="b", service="cart")
MEM_A = labels_of("mem", pod="a", service="cart")
UP = labels_of("up", job="api")


def store_with(*series: tuple[tuple[tuple[str, str], ...], list[float]]) -> SeriesStore:
    store = SeriesStore()
    for labels, values in series:
        for i, v in enumerate(values):
            store.append_sample(labels, 10.0 * i, v)
    return store


def held(store: SeriesStore, labels: tuple[tuple[str, str], ...]) -> Series:
    series = store.get(labels)
    assert series is not None
    return series


def names(selected: list[Series]) -> list[str]:
    return [s.get("pod") or s.get("job") for s in selected]


def test_a_scrape_adds_one_sample_to_each_of_its_series() -> None:
    store = SeriesStore()
    store.append(MetricScrape(0.0, [CPU_A, CPU_B], np.array([1.0, 2.0])))
    store.append(MetricScrape(15.0, [CPU_A, MEM_A], np.array([3.0, 4.0])))

    assert store.series_count == 3
    assert store.sample_count == 4
    cpu_a = store.get(CPU_A)
    assert cpu_a is not None
    assert cpu_a.timestamps.tolist() == [0.0, 15.0]
    assert cpu_a.values.tolist() == [1.0, 3.0]


def test_series_buffers_grow_past_their_initial_capacity() -> None:
    store = store_with((UP, [float(i) for i in range(1000)]))
    series = store.get(UP)
    assert series is not None
    assert len(series) == 1000
    assert series.values[-1] == 999.0
    assert series.timestamps[500] == 5000.0


def test_series_views_cannot_be_written_through() -> None:
    series = store_with((UP, [1.0, 2.0])).get(UP)
    assert series is not None
    with pytest.raises(ValueError, match="read-only"):
        series.values[0] = 5.0


def test_an_out_of_order_sample_names_the_series_and_both_times() -> None:
    store = store_with((CPU_A, [1.0, 2.0]))
    with pytest.raises(OutOfOrderSampleError) as caught:
        store.append_sample(CPU_A, 5.0, 3.0)
    message = str(caught.value)
    assert 'cpu{pod="a", service="cart"}' in message
    assert "t=5.0" in message
    assert "t=10.0" in message
    assert isinstance(caught.value, DOSError)


def test_a_duplicate_timestamp_raises_and_keeps_the_first_value() -> None:
    store = store_with((CPU_A, [1.0, 2.0]))
    with pytest.raises(OutOfOrderSampleError):
        store.append_sample(CPU_A, 10.0, 7.0)
    series = store.get(CPU_A)
    assert series is not None
    assert series.values.tolist() == [1.0, 2.0]
    assert store.sample_count == 2


def test_a_nan_timestamp_is_refused() -> None:
    store = SeriesStore()
    with pytest.raises(OutOfOrderSampleError):
        store.append_sample(UP, math.nan, 1.0)


def test_stale_markers_are_kept_as_samples() -> None:
    store = store_with((UP, [1.0, STALE_NAN, 2.0]))
    series = store.get(UP)
    assert series is not None
    assert [is_stale(v) for v in series.values.tolist()] == [False, True, False]
    assert series.last_stale_index == 1


def test_a_drop_in_value_is_marked_as_a_reset_but_a_stale_marker_is_not() -> None:
    store = store_with((UP, [5.0, 7.0, STALE_NAN, 6.0, 8.0, math.nan, 9.0]))
    series = store.get(UP)
    assert series is not None
    assert series.last_reset_index == 3


@pytest.mark.parametrize(
    "labels",
    [
        (("b", "1"), ("a", "2")),
        (("a", "1"), ("a", "2")),
        (("__name__", "up"), ("job", "")),
    ],
)
def test_labels_must_be_sorted_unique_and_non_empty(labels: tuple[tuple[str, str], ...]) -> None:
    with pytest.raises(StoreError):
        SeriesStore().append_sample(labels, 0.0, 1.0)


def test_counting_samples_before_and_until_a_time() -> None:
    series = store_with((UP, [1.0, 2.0, 3.0])).get(UP)  # at 0, 10, 20
    assert series is not None
    assert [series.count_until(t) for t in (-1.0, 0.0, 5.0, 10.0, 20.0, 99.0)] == [
        0,
        1,
        1,
        2,
        3,
        3,
    ]
    assert [series.count_before(t) for t in (-1.0, 0.0, 5.0, 10.0, 20.0, 99.0)] == [
        0,
        0,
        1,
        1,
        2,
        3,
    ]


def test_sample_access_checks_its_index() -> None:
    series = store_with((UP, [1.0, 2.0])).get(UP)
    assert series is not None
    assert series.at(1) == (10.0, 2.0)
    with pytest.raises(IndexError):
        series.at(2)


def select(store: SeriesStore, *matchers: tuple[str, str, str]) -> list[str]:
    chosen = store.select([Matcher(n, MatchOp(op), v) for n, op, v in matchers])
    return names(chosen)


@pytest.fixture
def pods() -> SeriesStore:
    return store_with(
        (labels_of("cpu", pod="b", zone="z1"), [1.0]),
        (labels_of("cpu", pod="a"), [1.0]),
        (labels_of("cpu", pod="ab", zone="z2"), [1.0]),
        (labels_of("mem", pod="a"), [1.0]),
    )


def test_equality_matchers_select_by_name_and_label(pods: SeriesStore) -> None:
    assert select(pods, ("__name__", "=", "cpu"), ("pod", "=", "a")) == ["a"]
    assert select(pods, ("__name__", "=", "cpu"), ("pod", "!=", "a")) == ["ab", "b"]


def test_regexes_match_the_whole_value(pods: SeriesStore) -> None:
    assert select(pods, ("__name__", "=", "cpu"), ("pod", "=~", "a")) == ["a"]
    assert select(pods, ("__name__", "=", "cpu"), ("pod", "=~", "a.*")) == ["a", "ab"]
    assert select(pods, ("__name__", "=", "cpu"), ("pod", "!~", "a|b")) == ["ab"]


def test_an_empty_value_matches_series_without_the_label(pods: SeriesStore) -> None:
    assert select(pods, ("__name__", "=", "cpu"), ("zone", "=", "")) == ["a"]
    assert select(pods, ("__name__", "=", "cpu"), ("zone", "!=", "")) == ["ab", "b"]
    assert select(pods, ("__name__", "=", "cpu"), ("zone", "=~", "z1|")) == ["a", "b"]


def test_a_name_regex_and_no_name_at_all_both_work(pods: SeriesStore) -> None:
    assert select(pods, ("__name__", "=~", "cpu|mem"), ("pod", "=", "a")) == ["a", "a"]
    assert select(pods, ("pod", "=", "a")) == ["a", "a"]


def test_selection_is_sorted_by_labels(pods: SeriesStore) -> None:
    chosen = pods.select([Matcher("__name__", MatchOp.REGEX, ".+")])
    assert [s.labels for s in chosen] == sorted(s.labels for s in chosen)


def test_a_new_series_shows_in_a_repeated_selection(pods: SeriesStore) -> None:
    matchers = [Matcher("__name__", MatchOp.EQUAL, "cpu")]
    assert len(pods.select(matchers)) == 3
    pods.append_sample(labels_of("cpu", pod="c"), 0.0, 1.0)
    assert len(pods.select(matchers)) == 4
    pods.append_sample(labels_of("disk", pod="c"), 0.0, 1.0)
    assert len(pods.select([Matcher("pod", MatchOp.EQUAL, "c")])) == 2


def test_regexes_read_as_go_reads_them() -> None:
    assert Matcher("a", MatchOp.REGEX, "[[:digit:]]+").matches("123")
    assert not Matcher("a", MatchOp.REGEX, "[[:digit:]]+").matches("12a")
    assert not Matcher("a", MatchOp.REGEX, r"\d").matches("٣")  # Arabic-Indic digit
    assert Matcher("a", MatchOp.REGEX, r"x\z").matches("x")
    assert not Matcher("a", MatchOp.REGEX, "x").matches("x\n")


def test_an_unsupported_regex_is_refused() -> None:
    with pytest.raises(StoreError, match=r"\\p"):
        Matcher("a", MatchOp.REGEX, r"\pL")
    with pytest.raises(StoreError, match="missing"):
        Matcher("a", MatchOp.REGEX, "(")


def test_iter_series_yields_series_in_creation_order(pods: SeriesStore) -> None:
    assert [s.get("pod") for s in pods.iter_series()] == ["b", "a", "ab", "a"]


def test_series_of_one_scrape_share_a_block_and_a_later_one_gets_its_own() -> None:
    store = SeriesStore()
    store.append(MetricScrape(0.0, [CPU_A, CPU_B], np.array([1.0, 2.0])))
    store.append(MetricScrape(15.0, [CPU_A, CPU_B, MEM_A], np.array([3.0, 4.0, 5.0])))
    a, b, mem = held(store, CPU_A), held(store, CPU_B), held(store, MEM_A)
    assert a.block is b.block
    assert mem.block is not a.block
    assert b.values.tolist() == [2.0, 4.0]
    assert mem.timestamps.tolist() == [15.0]


def test_a_repeated_scrape_is_stored_a_row_at_a_time_with_resets_and_stale_markers() -> None:
    store = SeriesStore()
    series = [CPU_A, CPU_B]
    for t, values in enumerate(([5.0, 1.0], [6.0, STALE_NAN], [2.0, 3.0], [3.0, 1.0])):
        store.append(MetricScrape(10.0 * t, series, np.array(values)))
    a, b = held(store, CPU_A), held(store, CPU_B)
    assert a.values.tolist() == [5.0, 6.0, 2.0, 3.0]
    assert (a.last_reset_index, a.last_stale_index) == (2, -1)
    # b's stale marker at 1 is skipped: 3 after 1 is no reset, 1 after 3 is.
    assert (b.last_reset_index, b.last_stale_index) == (3, 1)
    assert store.sample_count == 8


def test_a_series_that_misses_a_scrape_moves_to_a_block_of_its_own() -> None:
    store = SeriesStore()
    store.append(MetricScrape(0.0, [CPU_A, CPU_B], np.array([1.0, 2.0])))
    store.append(MetricScrape(10.0, [CPU_A], np.array([3.0])))
    store.append(MetricScrape(20.0, [CPU_A, CPU_B], np.array([4.0, 5.0])))
    a, b = held(store, CPU_A), held(store, CPU_B)
    assert a.block is not b.block
    assert b.timestamps.tolist() == [0.0, 20.0]
    assert b.values.tolist() == [2.0, 5.0]
    assert a.values.tolist() == [1.0, 3.0, 4.0]


def test_series_loaded_one_after_another_share_a_block_while_they_keep_in_step() -> None:
    store = store_with((CPU_A, [1.0, 2.0, 3.0]), (CPU_B, [4.0, 5.0, 6.0]))
    a, b = held(store, CPU_A), held(store, CPU_B)
    assert a.block is b.block
    assert b.values.tolist() == [4.0, 5.0, 6.0]


def test_a_block_remembers_the_newest_reset_of_any_of_its_series() -> None:
    # a resets late, b early; b is loaded after a and must not hide a's reset.
    store = store_with((CPU_A, [1.0, 2.0, 3.0, 0.0]), (CPU_B, [4.0, 1.0, 5.0, 6.0]))
    a = store.get(CPU_A)
    assert a is not None
    assert a.block.newest_reset == 3
    [rate] = Engine(store).instant('increase(cpu{pod="a"}[30s])', 30.0)
    # From 1 to 0 is -1; the reset adds back the 3 it lost: 2, with the window full.
    assert rate.value == 2.0


def test_a_selection_groups_its_series_by_block() -> None:
    store = SeriesStore()
    store.append(MetricScrape(0.0, [CPU_A, CPU_B], np.array([1.0, 2.0])))
    store.append_sample(labels_of("cpu", pod="c"), 5.0, 3.0)
    selection = store.selection([Matcher("__name__", MatchOp.EQUAL, "cpu")])
    assert [s.get("pod") for s in selection.series] == ["a", "b", "c"]
    assert sorted(len(g.columns) for g in selection.groups) == [1, 2]
    assert selection.unnamed[0] == (("pod", "a"), ("service", "cart"))
