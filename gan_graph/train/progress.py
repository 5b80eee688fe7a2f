"""A one-line progress indicator within an epoch, on a terminal only (silent in logs)."""
import sys
import time


class Progress:
    def __init__(self, total, label='', stream=None, min_interval=0.2):
        self.stream = sys.stderr if stream is None else stream
        self.enabled = hasattr(self.stream, 'isatty') and self.stream.isatty()
        self.total, self.label, self.min_interval = total, label, min_interval
        self.start = self.last_draw = time.monotonic()

    def update(self, done):
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last_draw < self.min_interval and done < self.total:
            return
        self.last_draw = now
        rate = done / max(now - self.start, 1e-9)
        eta = (self.total - done) / rate if rate > 0 else 0.0
        self.stream.write(f'\r{self.label} batch {done}/{self.total}  {rate:.0f} batches/s  ETA {eta:.0f}s ')
        self.stream.flush()

    def close(self):
        if self.enabled:
            self.stream.write('\r\033[K')
            self.stream.flush()
