"""Keep a normal run's output to what the user needs: no TF C++ logs, CUDA probing or deprecations."""
import logging
import os
import sys
import warnings


def verbose_requested(argv=None):
    """True when the command line carries --verbose (checked before absl parses flags)."""
    argv = sys.argv if argv is None else argv
    return any(arg in ('--verbose', '--verbose=true', '--verbose=True', '--verbose=1') for arg in argv)


def configure(verbose=None):
    """Silence TensorFlow unless verbose; must run before tensorflow is imported to reach its C++ logs."""
    verbose = verbose_requested() if verbose is None else verbose
    if verbose:
        return
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    warnings.filterwarnings('ignore', category=DeprecationWarning)
    warnings.filterwarnings('ignore', category=FutureWarning)
    warnings.filterwarnings('ignore', category=UserWarning, module='tensorflow')
    logging.getLogger('tensorflow').setLevel(logging.ERROR)
    if 'tensorflow' in sys.modules:
        silence_python_logging()


def silence_python_logging():
    """TensorFlow's Python-side deprecation notices go through tf_logging; raise its level."""
    import tensorflow as tf
    tf.get_logger().setLevel(logging.ERROR)
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
