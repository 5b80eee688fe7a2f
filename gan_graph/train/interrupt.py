"""Ctrl-C and SIGTERM as a request to stop between batches, so the last finished epoch stays saved."""
import contextlib
import signal


class TrainingInterrupted(Exception):
    pass


class StopRequest:
    def __init__(self):
        self.signal_name = None

    @property
    def requested(self):
        return self.signal_name is not None

    def check(self):
        if self.requested:
            raise TrainingInterrupted(self.signal_name)


@contextlib.contextmanager
def stop_on_signals(signums=(signal.SIGINT, signal.SIGTERM)):
    """Yield a StopRequest set by the first signal; a second one interrupts at once."""
    stop = StopRequest()

    def handler(signum, frame):
        if stop.requested:
            raise KeyboardInterrupt
        stop.signal_name = signal.Signals(signum).name

    previous = {}
    try:
        for signum in signums:
            previous[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread: signals stay as they were
        pass
    try:
        yield stop
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
