"""Keep a normal run's output to what the user needs: no TF C++ logs, CUDA probing or deprecations."""
import contextlib
import logging
import os
import sys
import warnings


def verbose_requested(argv=None):
    """True when the command line carries --verbose (checked before absl parses flags)."""
    argv = sys.argv if argv is None else argv
    return any(arg in ('--verbose', '--verbose=true', '--verbose=True', '--verbose=1') for arg in argv)


@contextlib.contextmanager
def stderr_fd_silenced():
    """Point file descriptor 2 at /dev/null: TensorFlow's C++ libraries log at load time through
    absl and ignore TF_CPP_MIN_LOG_LEVEL for some messages (oneDNN, CUDA probing)."""
    try:
        sys.stderr.flush()
        saved_fd = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        os.close(devnull)


def configure(verbose=None):
    """Load TensorFlow quietly unless verbose: C++ logs, Python deprecations, tf_logging."""
    verbose = verbose_requested() if verbose is None else verbose
    if verbose:
        return
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    warnings.filterwarnings('ignore', category=DeprecationWarning)
    warnings.filterwarnings('ignore', category=FutureWarning)
    warnings.filterwarnings('ignore', category=UserWarning, module='tensorflow')
    with stderr_fd_silenced():
        import tensorflow as tf
        tf.config.list_logical_devices()  # device probing logs too: do it while silenced
    tf.get_logger().setLevel(logging.ERROR)
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
