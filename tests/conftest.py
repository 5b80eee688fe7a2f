import os
import subprocess
import sys

import pytest

import gan_graph  # noqa: F401  (quiet TensorFlow before any test imports it)
from gan_graph import mnist
import tensorflow as tf  # noqa: E402  (after gan_graph: quiet)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_DIR = os.path.join(REPO_ROOT, 'data', 'mnist')


def run_script(name, *args, env=None, check=True, timeout=300):
    """Run scripts/<name> as a user would, from the repo root, and return the CompletedProcess."""
    command = [sys.executable, os.path.join(REPO_ROOT, 'scripts', name), *args]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise AssertionError(f'{name} {args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}')
    return result


@pytest.fixture(scope='session')
def mnist_data():
    return mnist.read_data_sets(DATA_DIR, seed=0)


def build_graph(build_model, seed=0, **kwargs):
    """Build a model in a fresh graph seeded with `seed`; returns (graph, model)."""
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(seed)
        model = build_model(**kwargs)
    return graph, model


def names(variables):
    return [var.op.name for var in variables]
