"""The benchmark waits for a settled disk before a timed build (benchmarks/common.settle_disk)."""

import pytest

from benchmarks import common


@pytest.fixture
def probes(monkeypatch):
    """Replace the probe by a list of costs (µs per new inode) and sleeping by a record."""
    costs: list[float] = []
    slept: list[float] = []
    monkeypatch.setattr(common, "probe_us", lambda workdir: costs.pop(0))
    monkeypatch.setattr(common.time, "sleep", slept.append)
    return costs, slept


def test_probe_makes_new_files_and_keeps_them(tmp_path):
    cost = common.probe_us(tmp_path)
    # per new inode: ~25 µs settled, up to ~600 µs right after big deletions (never ms)
    assert 0 <= cost < 5000
    made = list((tmp_path / "trash").glob("probe-*/*/*.html"))
    # kept in the trash (deleted after the measurements), laid out as folders of files
    assert len(made) == common.PROBE_FOLDERS * common.PROBE_FILES


def test_settled_disk_does_not_wait(tmp_path, probes):
    costs, slept = probes
    costs[:] = [24.0]
    waited, cost = common.settle_disk(tmp_path, say=lambda *a, **k: None)
    assert (slept, cost) == ([], 24.0)
    assert waited < 1


def test_waits_until_new_files_cost_what_they_cost_on_a_settled_disk(tmp_path, probes):
    costs, slept = probes
    costs[:] = [300.0, 130.0, common.SETTLED_US, 500.0]
    said = []
    waited, cost = common.settle_disk(tmp_path, say=lambda text, **k: said.append(text),
                                      wait_s=7)
    assert slept == [7, 7]  # two waits, then the third probe was settled
    assert cost == common.SETTLED_US
    assert costs == [500.0]  # no probe after the settled one
    assert "300 µs" in said[0] and "130 µs" in said[1]


def test_gives_up_after_the_limit_and_says_so(tmp_path, probes, monkeypatch):
    costs, slept = probes
    costs[:] = [300.0] * 10
    clock = iter(range(0, 1000, 100))  # each look at the clock: 100 s later
    monkeypatch.setattr(common.time, "monotonic", lambda: next(clock))
    said = []
    waited, cost = common.settle_disk(tmp_path, say=lambda text, **k: said.append(text),
                                      limit_s=250)
    assert cost == 300.0
    assert len(slept) == 2  # at 100 and 200 s still under the limit, at 300 s not
    assert "still not settled" in said[-1] and "includes that" in said[-1]
