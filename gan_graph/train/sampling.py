"""Restore a run's generator (ours or the original notebook's) and draw samples from it.

Our runs record their model in run.json: the description it rebuilds names the exported generator, its
inputs and its noise. A directory written by the original notebook has no manifest; its MLP generator
is read from the checkpoint itself (see manifest.for_notebook_checkpoint).
"""
import os

import numpy as np
import tensorflow as tf

from gan_graph.data import mnist, readers
from gan_graph.models import description as d
from gan_graph.train import checkpoints, graph as graph_lib, manifest, run_dir

v1 = tf.compat.v1


def run_manifest(checkpoint_dir, prefix=None, alpha=None):
    """The manifest of the run whose checkpoints are in `checkpoint_dir`, read or inferred."""
    record = manifest.read(os.path.dirname(os.path.normpath(checkpoint_dir)))
    if record is not None:
        return record
    prefix = prefix or checkpoints.find_generator_checkpoint(checkpoint_dir)
    return manifest.for_notebook_checkpoint(prefix, 0.01 if alpha is None else alpha)


def has_generator(directory):
    try:
        checkpoints.find_generator_checkpoint(directory)
    except checkpoints.CheckpointError:
        return False
    return True


def locate_run_dir(directory):
    """(checkpoint dir, run dir) of a run directory; a checkpoints/ folder given instead says which to give."""
    if not os.path.isdir(directory):
        raise checkpoints.CheckpointError(f'run directory not found: {directory}')
    if not os.path.isdir(run_dir.checkpoint_dir(directory)) and has_generator(directory):
        parent = os.path.dirname(os.path.normpath(directory)) or '.'
        raise checkpoints.CheckpointError(
            f'--run_dir={directory} holds a generator checkpoint itself, not in {run_dir.CHECKPOINT_DIR}/: '
            f'give --run_dir={parent} (or --checkpoint_dir={directory})')
    return run_dir.checkpoint_dir(directory), directory


def locate_checkpoint_dir(directory):
    """(checkpoint dir, run dir) of a checkpoint directory; a run directory given instead is taken as one."""
    if not has_generator(directory) and has_generator(run_dir.checkpoint_dir(directory)):
        return run_dir.checkpoint_dir(directory), directory
    return directory, os.path.dirname(os.path.normpath(directory)) or '.'


def generator_name(record):
    """What names the generator in tables: the MLP's or the WGAN's variant, else the model."""
    hparams = record['hparams']
    return hparams.get('arch', hparams.get('mode', record['model']))


def check_arch(record, arch, prefix):
    found = generator_name(record)
    if arch not in ('auto', found):
        raise checkpoints.CheckpointError(f'--arch={arch} does not match {prefix}, which holds the '
                                          f'{found!r} generator; pass --arch={found} or --arch=auto.')


def checked_labels(description, labels):
    """Labels for a generator that takes them, each a class of its data; a clear error otherwise."""
    labels = np.asarray(labels)
    if 'labels' not in description.exports['generator'].inputs:
        raise ValueError(f'--labels: the {description.name} generator is not conditional; it takes no labels')
    num_classes = description.data.num_classes
    outside = sorted({label for label in labels.tolist() if not 0 <= label < num_classes})
    if outside:
        raise ValueError(f'--labels must be classes 0 to {num_classes - 1}, got {outside}')
    return labels


def with_sampling_hparams(record, overrides):
    """The record with sampling-time hyper-parameters replaced (StyleGAN's truncation_psi); each must be
    one the run's model records."""
    unknown = sorted(set(overrides) - set(record['hparams']))
    if unknown:
        raise ValueError(f'--{unknown[0]}: the {record["model"]} generator has no such setting')
    return {**record, 'hparams': {**record['hparams'], **overrides}}


def test_examples(description, data_dir=None):
    """The test split's stored images, which a translation model's generator translates (None for one
    that takes noise)."""
    if not graph_lib.translates_data(description):
        return None
    return readers.read(description.data, data_dir or mnist.DEFAULT_DATA_DIR).test.all_images


def sample_generator(checkpoint_dir, num_samples, seed=None, arch='auto', alpha=None, labels=None,
                     batch_size=1000, hparams=None):
    """(num_samples,) + the data shape, float32, from the run's generator and its noise distribution.

    A conditional generator gets `labels` (default: 0, 1, ..., 9, 0, 1, ...); a translation model's
    translates the first num_samples test examples. hparams: sampling-time settings to use instead of
    the recorded ones (e.g. {'truncation_psi': 0.7}). `seed` also seeds the graph, for generators that
    draw noise inside it (StyleGAN's per-layer noise).
    """
    if num_samples < 1:
        raise ValueError(f'num_samples must be at least 1, got {num_samples}')
    prefix = checkpoints.find_generator_checkpoint(checkpoint_dir)
    record = run_manifest(checkpoint_dir, prefix, alpha)
    check_arch(record, arch, prefix)
    if alpha is not None and 'alpha' in record['hparams']:
        record = {**record, 'hparams': {**record['hparams'], 'alpha': alpha}}
    if hparams:
        record = with_sampling_hparams(record, hparams)
    description = manifest.describe(record)
    labels = (d.sample_labels(num_samples, description.data.num_classes) if labels is None
              else checked_labels(description, labels))
    examples = test_examples(description)
    rng = np.random.RandomState(seed)
    with tf.Graph().as_default():
        if seed is not None:
            v1.set_random_seed(seed)
        placeholders, samples = graph_lib.build_sampler(description)
        saver = v1.train.Saver(var_list=v1.global_variables())
        with v1.Session() as sess:
            checkpoints.restore(sess, saver, prefix)
            chunks = []
            for start in range(0, num_samples, batch_size):
                stop = min(start + batch_size, num_samples)
                feed = graph_lib.sampler_feed(description, placeholders, rng, stop - start, labels[start:stop],
                                              examples=None if examples is None else examples[start:stop])
                chunks.append(sess.run(samples, feed))
    return np.concatenate(chunks).astype(np.float32)
