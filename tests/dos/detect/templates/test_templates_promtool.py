"""Templates against the real promtool: the same annotations, character for character.

A rule carries many annotation templates; the engine expands them for each alert, the
expansions become a promtool unit test's expectations, and ``promtool test rules`` must
pass on it. ``pathPrefix`` and ``externalURL`` are left out: promtool 2.42 has no external
URL object and fails on them, where a Prometheus server does not.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from dos.detect.alert import AlertState
from dos.detect.promtool_series import load_series
from dos.detect.rulefile import load_rule_file
from dos.detect.rules import RuleEngine, RuleGroup
from dos.promql import Engine
from dos.tsdb import SeriesStore

pytestmark = pytest.mark.promtool

ANNOTATIONS = {
    "print": '{{ print 1 2 "a" 3.5 }}|{{ urlquery "a b&c/d~" }}|{{ html "<a href=\'x\'>&" }}',
    "hosts": '{{ stripPort "host:80" }}|{{ stripDomain "a.b.c:90" }}'
    '|{{ stripDomain "10.0.0.1:9" }}|{{ stripDomain "a.b" }}|{{ stripPort "[::1]:80" }}'
    '|{{ stripPort "nope" }}',
    "links": '{{ graphLink "up > 1" }}|{{ tableLink "rate(x[5m])" }}',
    "maps": '{{ $labels }}|{{ args 1 "a" }}|{{ (args 1 "a").arg1 }}',
    "range": '{{ range sortByLabel "instance" (query "up") }}'
    "{{ .Labels.instance }}={{ .Value }};{{ end }}",
    "with": '{{ with query "sum(up)" }}{{ . | first | value | humanize }}{{ end }}'
    '|{{ query "up" | sortByLabel "instance" | first | label "instance" }}'
    '|{{ (query "up" | sortByLabel "instance" | first).Labels.job }}',
    "index": '{{ range $i, $s := sortByLabel "instance" (query "up") }}'
    "{{ $i }}:{{ $s.Value }} {{ end }}"
    '|{{ range query "nosuch" }}x{{ else }}none{{ end }}',
    "if": '{{ if eq $labels.instance "i1" }}one{{ else if eq $labels.instance "i2" }}two'
    "{{ else }}other{{ end }}",
    "printf": '{{ $v := printf "%.3f" $value }}{{ $v }}|{{ printf "%d %5.2f %-4s| %q %x %v %t" '
    '42 3.14159 "ab" "q\\"" "hi" $labels.job true }}',
    "humanize": "{{ humanize 1234567 }}|{{ humanize1024 1048576 }}|{{ humanizeDuration 3725.5 }}"
    "|{{ humanizePercentage 0.256 }}|{{ humanizeTimestamp 1700000000 }}|{{ toTime 86400.123 }}"
    '|{{ parseDuration "1h30m" }}|{{ humanize $value }}|{{ humanize 0.000123 }}',
    "strings": '{{ title "hello wORLD it\'s 1st" }}|{{ toUpper "abc" }}|{{ toLower "ABC" }}'
    '|{{ reReplaceAll "(a+)(b)" "${2}-$1" "aab aaab" }}|{{ match "^a.c$" "abc" }}',
    "logic": '{{ len "héllo" }}|{{ index $labels "job" }}|{{ not "" }}|{{ and 1 "" 2 }}'
    '|{{ or 0 "" }}|{{ ne 1 2 }}|{{ lt 1.5 2.5 }}|{{ le "a" "b" }}',
    "sort": '{{ query "up" | sortByLabel "instance" | len }}'
    '|{{ range sortByLabel "instance" (query "up") }}{{ label "instance" . }} {{ end }}',
    "data": "{{ $value }}|{{ .Value }}|{{ $externalLabels.cluster }}|{{ .ExternalURL }}"
    "|{{ $externalURL }}|{{ .Labels.nope }}",
    "trim": 'x {{- /* a comment */ -}} y {{- "z" }}',
    "numbers": '{{ printf "%v %v %v" 1e21 0.00001 123456789.0 }}|{{ 1e3 }}|{{ 0x1F }}'
    "|{{ 'a' }}|{{ printf \"%s\" 5 }}",
    "vars": "{{ range $k, $v := $labels }}{{ $k }}{{ end }}|{{ with $x := 5 }}{{ $x }}{{ end }}",
    "errors": '{{ strvalue (query "up" | sortByLabel "instance" | first) }}|{{ println "a" 1 }}',
}
SERIES = {
    # In label order: promtool returns a query's series in the order they were created.
    'up{job="a", instance="i1"}': "0x5",
    'up{job="a", instance="i2"}': "1x5",
}


def test_annotations_expand_exactly_as_promtool_expands_them(tmp_path: Path) -> None:
    rules = {"groups": [{"name": "g", "rules": [{"alert": "T", "expr": "up", **_notes()}]}]}
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    got = _expand(tmp_path / "rules.yml", at=120.0)
    assert len(got) == 2
    assert sorted(a["exp_annotations"]["if"] for a in got) == ["one", "two"]
    suite = {
        "rule_files": ["rules.yml"],
        "tests": [
            {
                "interval": "1m",
                "external_labels": {"cluster": "c1"},
                "external_url": "http://prom.example:9090/sub",
                "input_series": [{"series": s, "values": v} for s, v in SERIES.items()],
                "alert_rule_test": [{"eval_time": "2m", "alertname": "T", "exp_alerts": got}],
            }
        ],
    }
    (tmp_path / "test.yml").write_text(yaml.safe_dump(suite))
    output = _promtool(tmp_path / "test.yml")
    assert "SUCCESS" in output, output


def _notes() -> dict[str, dict[str, str]]:
    return {"annotations": ANNOTATIONS, "labels": {"team": "{{ $labels.job | toUpper }}"}}


def _expand(rule_file: Path, at: float) -> list[dict[str, dict[str, str]]]:
    store = SeriesStore()
    load_series(store, SERIES, 60.0)
    groups = [RuleGroup(g.name, 60.0, g.rules) for g in load_rule_file(rule_file)]
    engine = RuleEngine(
        groups,
        Engine(store),
        external_labels={"cluster": "c1"},
        external_url="http://prom.example:9090/sub",
    )
    for k in range(round(at / 60.0) + 1):
        engine.evaluate(k * 60.0)
    return [
        {
            "exp_labels": {k: v for k, v in alert.labels.items() if k != "alertname"},
            "exp_annotations": dict(alert.annotations),
        }
        for alert in engine.active_alerts()
        if alert.state is AlertState.FIRING
    ]


def _promtool(suite: Path) -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail(
            "promtool is not installed: this test needs Prometheus' promtool 2.42 "
            "(Debian package 'prometheus'; .ci/run installs it)"
        )
    done = subprocess.run(
        [path, "test", "rules", suite.name],
        cwd=suite.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout + done.stderr
