"""Work done in a forked child process while this process goes on.

The child starts with this process's memory as it is at the fork (copy-on-write), so big
inputs (every offer's parts) are neither copied nor pickled; only the result comes back, through
a pipe. Linux and macOS only, as the build's worker processes.
"""

import multiprocessing


class Forked:
    """`work()` running in a forked child; `result()` waits for its value (or its exception)."""

    def __init__(self, work):
        """Fork now and start `work` in the child."""
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_run, args=(work, send), daemon=True)
        self._process.start()
        send.close()

    def result(self):
        """The value `work()` returned in the child; its exception raised here if it failed."""
        try:
            ok, value = self._receive.recv()
        except EOFError:
            self._process.join()  # (first: the exit code is known once it has ended)
            raise RuntimeError(f"child process ended without a result "
                               f"(exit code {self._process.exitcode})") from None
        finally:
            self._receive.close()
            self._process.join()
        if not ok:
            raise value
        return value

    def cancel(self) -> None:
        """Stop the child (its result is no longer wanted)."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._receive.close()


class Done:
    """A value made here, with the interface of `Forked`."""

    def __init__(self, value):
        """Keep the value."""
        self.value = value

    def result(self):
        """The value."""
        return self.value

    def cancel(self) -> None:
        """Nothing to stop."""


class Later:
    """Work done here when its result is asked for, with the interface of `Forked`."""

    def __init__(self, work):
        """Keep the work."""
        self.work = work

    def result(self):
        """Do the work now; its value."""
        return self.work()

    def cancel(self) -> None:
        """Nothing was started."""


def _run(work, send) -> None:
    """In the child: send (True, value) or (False, exception)."""
    try:
        send.send((True, work()))
    except BaseException as exc:  # noqa: BLE001 (every failure goes back to the parent)
        send.send((False, exc))
    finally:
        send.close()
