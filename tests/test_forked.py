"""Work in a forked child: its value, or its exception, comes back to the parent."""

import os

import pytest

from generator.forked import Done, Forked


def test_value_comes_back_from_the_child():
    """The child sees the parent's memory as it was and returns a value made there."""
    big = list(range(100_000))
    job = Forked(lambda: (os.getpid(), sum(big)))
    pid, total = job.result()
    assert pid != os.getpid()
    assert total == sum(big)


def test_exception_in_the_child_is_raised_in_the_parent():
    """A failure in the child is not lost: the parent raises the same exception."""
    def fail():
        raise ValueError("kapot in het kind")

    with pytest.raises(ValueError, match="kapot in het kind"):
        Forked(fail).result()


def test_a_child_that_dies_is_an_error_not_a_hang():
    """A child that ends without sending (killed, os._exit) gives an error at once."""
    with pytest.raises(RuntimeError, match="exit code 3"):
        Forked(lambda: os._exit(3)).result()


def test_cancel_stops_a_child_that_is_still_working():
    """A build that fails elsewhere stops its child instead of leaving it running."""
    import time

    job = Forked(lambda: time.sleep(60))
    started = time.monotonic()
    job.cancel()
    assert not job._process.is_alive()
    assert time.monotonic() - started < 10


def test_done_has_the_same_interface():
    """A value made in this process is handed on the same way."""
    done = Done(42)
    done.cancel()
    assert done.result() == 42
