"""NAB's scoring, checked against NAB's own published numbers on the AWS CloudWatch files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from dos.nab import (
    FileSweep,
    NABCorpus,
    NABError,
    Profile,
    detection_delays,
    evaluate_scores,
    normalise,
    probation_length,
    published_table,
    row_scores,
    scaled_sigmoid,
    score_file,
    summarise_delays,
    threshold_curve,
)

ROOT = Path(__file__).resolve().parents[2]
NAB = ROOT.parent / "shared" / "data" / "nab"
PUBLISHED_WITH_ROWS = ("numenta", "windowedGaussian")


@pytest.fixture(scope="module")
def corpus() -> NABCorpus:
    assert NAB.is_dir(), f"NAB's corpus is missing: expected it at {NAB} (shared/ beside the repo)"
    return NABCorpus.load(NAB)


@pytest.mark.parametrize("detector", PUBLISHED_WITH_ROWS)
def test_scorer_reproduces_every_published_per_file_score(
    corpus: NABCorpus, detector: str
) -> None:
    for profile_name, profile in corpus.profiles.items():
        for published in corpus.published_scores(detector, profile_name):
            rows = corpus.published_rows(detector, published.name)
            scores = rows["anomaly_score"].to_numpy(dtype=np.float64)
            mine = score_file(corpus.sweep(published.name), scores, published.threshold, profile)
            assert mine.score == pytest.approx(published.score, abs=1e-9), published.name
            counts = (mine.tp, mine.tn, mine.fp, mine.fn, mine.total)
            assert counts == (
                published.tp,
                published.tn,
                published.fp,
                published.fn,
                published.total,
            )


@pytest.mark.parametrize("detector", PUBLISHED_WITH_ROWS)
def test_per_row_scores_match_nabs_published_column(corpus: NABCorpus, detector: str) -> None:
    for profile_name, profile in corpus.profiles.items():
        thresholds = {s.name: s.threshold for s in corpus.published_scores(detector, profile_name)}
        for name in corpus.files:
            rows = corpus.published_rows(detector, name)
            scores = rows["anomaly_score"].to_numpy(dtype=np.float64)
            mine = row_scores(corpus.sweep(name), scores, thresholds[name], profile)
            expected = rows[f"S(t)_{profile_name}"].to_numpy(dtype=np.float64)
            np.testing.assert_allclose(mine, expected, atol=1e-9, err_msg=name)


def test_published_table_normalises_as_the_data_readme_reports(corpus: NABCorpus) -> None:
    table = published_table(corpus)
    # The figures the shared data's README gives for these 17 files (standard profile).
    assert round(table["numenta"]["standard"], 2) == 73.42
    assert round(table["windowedGaussian"]["standard"], 2) == 31.24
    assert table["null"] == {"standard": 0.0, "reward_low_FP_rate": 0.0, "reward_low_FN_rate": 0.0}


def test_threshold_curve_agrees_with_scoring_each_file_at_each_threshold(
    corpus: NABCorpus,
) -> None:
    names = corpus.files[:6]
    sweeps = [corpus.sweep(n) for n in names]
    scores = [corpus.published_rows("numenta", n)["anomaly_score"].to_numpy() for n in names]
    profile = corpus.profiles["reward_low_FN_rate"]
    curve = threshold_curve(sweeps, scores, profile)
    for index in range(0, len(curve.thresholds), max(1, len(curve.thresholds) // 40)):
        threshold = curve.thresholds[index]
        total = sum(
            score_file(s, a, threshold, profile).score for s, a in zip(sweeps, scores, strict=True)
        )
        assert curve.scores[index] == pytest.approx(total, abs=1e-9)
    best_threshold, best = curve.best()
    assert best == max(curve.scores)
    assert best_threshold in curve.thresholds


def test_threshold_search_over_the_set_keeps_numentas_published_standard_score(
    corpus: NABCorpus,
) -> None:
    scores = {
        n: corpus.published_rows("numenta", n)["anomaly_score"].to_numpy() for n in corpus.files
    }
    result = evaluate_scores(corpus, "numenta", scores)
    published = published_table(corpus)["numenta"]
    # One threshold chosen over these 17 files can only match or beat the corpus-wide one.
    for profile in corpus.profiles:
        assert result.scores[profile] >= published[profile] - 1e-9
    assert result.delays.windows == corpus.window_count
    assert result.delays.detected + result.delays.missed == corpus.window_count


def test_scaled_sigmoid_is_one_at_the_left_edge_after_nabs_rescaling() -> None:
    assert scaled_sigmoid(-1.0) / scaled_sigmoid(-1.0) == 1.0
    assert scaled_sigmoid(0.0) == pytest.approx(0.0)
    assert scaled_sigmoid(3.01) == -1.0
    assert scaled_sigmoid(-1.0) == pytest.approx(2 / (1 + math.exp(-5)) - 1)


def test_probation_is_fifteen_percent_capped_at_750_rows() -> None:
    assert probation_length(4032) == 604
    assert probation_length(10_000) == 750


def small_sweep() -> FileSweep:
    times = np.arange(40, dtype=np.float64) * 60
    return FileSweep.build("toy", times, [(times[20], times[29])])


def test_a_window_counts_only_its_earliest_detection() -> None:
    sweep = small_sweep()
    profile = Profile("p", tp_weight=1.0, fp_weight=0.5, fn_weight=1.0)
    scores = np.zeros(40)
    scores[[20, 25]] = 1.0
    assert score_file(sweep, scores, 0.5, profile).score == pytest.approx(1.0)
    scores[20] = 0.0
    later = score_file(sweep, scores, 0.5, profile).score
    assert 0 < later < 1
    assert score_file(sweep, np.zeros(40), 0.5, profile).score == -1.0


def test_a_false_positive_right_after_a_window_costs_less_than_one_before_it() -> None:
    sweep = small_sweep()
    profile = Profile("p", tp_weight=1.0, fp_weight=1.0, fn_weight=1.0)
    before, after = np.zeros(40), np.zeros(40)
    before[10], after[31] = 1.0, 1.0
    cost_before = score_file(sweep, before, 0.5, profile).score + 1.0
    cost_after = score_file(sweep, after, 0.5, profile).score + 1.0
    assert cost_before == pytest.approx(-1.0)
    assert -1.0 < cost_after < 0


def test_detection_delay_counts_from_the_window_start_over_detected_windows() -> None:
    sweep = small_sweep()
    scores = np.zeros(40)
    scores[23] = 1.0
    delays = detection_delays(sweep, scores, 0.5)
    assert delays == [180.0]
    summary = summarise_delays([*delays, None])
    assert (summary.detected, summary.missed, summary.recall) == (1, 1, 0.5)
    assert summary.mean_delay == 180.0


def test_a_window_edge_that_is_not_a_timestamp_is_refused() -> None:
    times = np.arange(10, dtype=np.float64)
    with pytest.raises(NABError, match="not a timestamp"):
        FileSweep.build("toy", times, [(2.5, 5.0)])


def test_normalise_maps_null_to_zero_and_perfect_to_a_hundred() -> None:
    profile = Profile("p", tp_weight=1.0, fp_weight=0.11, fn_weight=2.0)
    assert normalise(-2.0 * 30, 30, profile) == 0.0
    assert normalise(30.0, 30, profile) == 100.0


def test_a_corpus_folder_without_labels_is_refused(tmp_path: Path) -> None:
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps({"x/a.csv": []}))
    with pytest.raises(NABError, match="no labelled files"):
        NABCorpus.load(tmp_path)
