"""One training process per run directory: a lock file holding the trainer's PID.

Two processes writing one run directory would interleave their epochs' pickles and checkpoints. The
first takes DIR/train.lock (created exclusively); a second refuses, naming the first's PID. A lock left
by a process that no longer runs on this host (killed with SIGKILL, a crashed machine) is stale: the
next run takes it over and says so.
"""
import contextlib
import os
import socket

from gan_graph.train import run_dir

LOCK = 'train.lock'


class RunLockedError(Exception):
    """Another live process is training into the same run directory."""


def holder(path):
    """(host, pid) written in the lock file, or None if it is unreadable (being written, or corrupt)."""
    try:
        with open(path) as f:
            host, pid = f.read().split()
        return host, int(pid)
    except (OSError, ValueError):
        return None


def is_running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # alive, another user's
        return True
    return True


def try_create(path):
    """Create the lock file with our host and PID; False if it exists already."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    except OSError as err:
        raise run_dir.RunDirError(f'cannot write {path}: {err.strerror}; the run directory must be writable') from err
    with os.fdopen(fd, 'w') as f:
        f.write(f'{socket.gethostname()} {os.getpid()}\n')
    return True


def acquire(output_dir, log=print):
    """Take DIR/train.lock, taking over a stale one; RunLockedError if a live process holds it."""
    path = run_dir.path(output_dir, LOCK)
    try:
        os.makedirs(output_dir, exist_ok=True)
    except OSError as err:
        raise run_dir.RunDirError(f'cannot create the run directory {output_dir}: {err.strerror}') from err
    for _ in range(3):
        if try_create(path):
            return path
        owner = holder(path)
        if owner is not None:
            host, pid = owner
            if host != socket.gethostname():
                raise RunLockedError(f'{output_dir} is locked by process {pid} on host {host} ({path}); if '
                                     f'that run is over, delete {path}.')
            if pid != os.getpid() and is_running(pid):
                raise RunLockedError(f'{output_dir} is being trained by process {pid} ({path}); wait for it, '
                                     f'stop it, or use another --output_dir.')
            log(f'Taking over the stale lock of process {pid}, which no longer runs ({path}).')
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
    raise RunLockedError(f'could not take {path}: another process keeps creating it.')


def release(path):
    with contextlib.suppress(OSError):
        if holder(path) == (socket.gethostname(), os.getpid()):
            os.remove(path)


@contextlib.contextmanager
def locked(output_dir, log=print):
    """Hold DIR/train.lock for the block. A directory the block created and left empty (a run that
    failed before its first epoch) is removed with the lock."""
    created = not os.path.exists(output_dir)
    path = acquire(output_dir, log)
    try:
        yield path
    finally:
        release(path)
        if created:
            with contextlib.suppress(OSError):
                os.rmdir(output_dir)
