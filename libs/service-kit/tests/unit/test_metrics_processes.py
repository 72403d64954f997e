"""Metrics of several worker processes: counters add up, a gauge is the latest live sample."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

# prometheus_client picks its multiprocess storage when imported, so the workers and the
# exposition run in a process that had PROMETHEUS_MULTIPROC_DIR from the start.
SCRIPT = textwrap.dedent(
    """
    import multiprocessing
    import sys

    from service_kit import metrics

    def sample(depth, stopping):
        metrics.DLQ_DEPTH.labels("orders.dlq").set(depth)
        metrics.EVENTS_PUBLISHED.labels("tenant.activated").inc()
        if stopping:
            metrics.forget_this_process()

    context = multiprocessing.get_context("fork")
    for depth, stopping in ((5, False), (9, False), (7, sys.argv[1] == "last-stops")):
        worker = context.Process(target=sample, args=(depth, stopping))
        worker.start()
        worker.join()
    sys.stdout.write(metrics.exposition().decode())
    """
)


def scrape(tmp_path: Path, how: str) -> dict[str, float]:
    directory = tmp_path / how
    directory.mkdir()
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, how],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(out)
        for sample in family.samples
        if sample.name in {"dlq_depth", "events_published_total"}
    }


def test_counters_add_up_and_the_gauge_is_the_latest_sample(tmp_path: Path) -> None:
    assert scrape(tmp_path, "all-live") == {"dlq_depth": 7, "events_published_total": 3}


def test_a_stopped_worker_no_longer_sets_the_gauge_but_its_counts_remain(
    tmp_path: Path,
) -> None:
    assert scrape(tmp_path, "last-stops") == {"dlq_depth": 9, "events_published_total": 3}
