import os
import subprocess
import sys

import pytest

import gan_graph  # noqa: F401  (quiet TensorFlow before any test imports it)
from gan_graph.data import mnist
from gan_graph.train import graph as train_graph, loop as train_loop
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


def build_graph(describe, seed=0, **kwargs):
    """Build a model's tutorial graph in a fresh graph seeded with `seed`; returns (graph, TrainingGraph)."""
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(seed)
        training_graph = train_graph.build(describe(**kwargs))
    return graph, training_graph


def feed(training_graph, images, rng, labels=None):
    """A feed of the tutorial graph: these images (and labels) and fresh noise from `rng`."""
    return train_loop.numpy_feed(training_graph.description, training_graph.placeholders, images, labels, rng)


def names(variables):
    return [var.op.name for var in variables]
