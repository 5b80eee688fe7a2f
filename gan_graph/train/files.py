"""Atomic writes: a crash or Ctrl-C mid-write leaves the previous file, never a truncated one."""
import contextlib
import os
import pickle
import tempfile

import numpy as np


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; rename it over `path` only if the block succeeds."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(directory, exist_ok=True)
        # The temporary name keeps the extension: writers that pick the format by it (Pillow's) still can.
        fd, tmp_path = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.',
                                        suffix='.tmp' + os.path.splitext(path)[1], dir=directory)
    except OSError as err:   # name the file the user asked for, not the temporary one
        raise type(err)(err.errno, err.strerror, path) from err
    os.close(fd)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~current_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp_path, path)
    finally:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_pickle(path, obj):
    with atomic_path(path) as tmp_path:
        with open(tmp_path, 'wb') as f:
            pickle.dump(obj, f)


class DamagedFileError(Exception):
    """A file of a run that is there but cannot be read back (truncated, emptied, overwritten)."""


def read_pickle(path):
    """Load a pickle, also one written by Python 2 (the original notebooks' era)."""
    with open(path, 'rb') as f:
        try:
            return pickle.load(f, encoding='latin1')
        except (EOFError, pickle.UnpicklingError, ValueError, TypeError) as err:
            raise DamagedFileError(f'{path} is damaged ({type(err).__name__}: {err or "empty"}); restore it from a '
                                   'copy, or train the run again') from err


def write_text(path, text):
    with atomic_path(path) as tmp_path:
        with open(tmp_path, 'w') as f:
            f.write(text)


def write_npy(path, array):
    with atomic_path(path) as tmp_path:
        with open(tmp_path, 'wb') as f:
            np.save(f, array)
