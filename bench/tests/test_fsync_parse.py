"""Reading pg_test_fsync's first section."""

from __future__ import annotations

import pytest

from bench.fsync import parse_one_write_section

OUTPUT = """\
1 second per test
O_DIRECT supported on this platform for open_datasync and open_sync.

Compare file sync methods using one 8kB write:
(in wal_sync_method preference order, except fdatasync is Linux's default)
        open_datasync                     10994.472 ops/sec      91 usecs/op
        fdatasync                         10427.322 ops/sec      96 usecs/op
        fsync                             10386.982 ops/sec      96 usecs/op
        fsync_writethrough                              n/a
        open_sync                         11025.383 ops/sec      91 usecs/op

Compare file sync methods using two 8kB writes:
(in wal_sync_method preference order, except fdatasync is Linux's default)
        open_datasync                      5621.162 ops/sec     178 usecs/op
        fdatasync                         10231.294 ops/sec      98 usecs/op
"""


def test_only_the_one_write_section_counts_and_n_a_is_left_out() -> None:
    assert parse_one_write_section(OUTPUT) == {
        "open_datasync": pytest.approx(10994.472),
        "fdatasync": pytest.approx(10427.322),
        "fsync": pytest.approx(10386.982),
        "open_sync": pytest.approx(11025.383),
    }


def test_output_without_the_section_is_an_error() -> None:
    with pytest.raises(ValueError, match="one 8kB write"):
        parse_one_write_section("could not open output file")
