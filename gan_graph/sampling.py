"""Restore a generator checkpoint (ours or the original notebook's) and draw samples from it.

Our runs save `generator_spec.json` beside the checkpoint: the model module and the arguments that
rebuild its generator. A directory written by the original notebook has none; its MLP generator is
read from the checkpoint itself (`generator/dense*/kernel` give z_size, hidden and output sizes, and a
third dense layer means the blog variant).
"""
import importlib

import numpy as np
import tensorflow as tf

from gan_graph import checkpoints, mlp_gan, model

v1 = tf.compat.v1


def mlp_generator_spec(prefix, alpha=0.01):
    """Infer the MLP generator stored at checkpoint `prefix` (the notebook saved no description)."""
    shapes = checkpoints.variable_shapes(prefix)
    kernels = [shapes.get(f'generator/{layer}/kernel') for layer in ('dense', 'dense_1', 'dense_2')]
    if kernels[0] is None or kernels[1] is None:
        found = ', '.join(sorted(name for name in shapes if not name.endswith(('/Adam', '/Adam_1')))) or 'nothing'
        raise checkpoints.CheckpointError(
            f'{prefix} holds no MLP generator (expected generator/dense/kernel and generator/dense_1/kernel; '
            f'found {found}).')
    arch = 'blog' if kernels[2] is not None else 'udacity'
    if arch == 'blog' and kernels[1][1] != mlp_gan.BLOG_SECOND_LAYER_UNITS:
        raise checkpoints.CheckpointError(f'{prefix}: generator/dense_1/kernel has shape {kernels[1]}, '
                                          f'the blog variant has {mlp_gan.BLOG_SECOND_LAYER_UNITS} units there.')
    z_size, n_units = kernels[0]
    out_dim = (kernels[2] if arch == 'blog' else kernels[1])[1]
    return mlp_gan.generator_spec(arch, int(z_size), int(out_dim), int(n_units), alpha)


def generator_spec(checkpoint_dir, prefix, arch='auto', alpha=None):
    """The spec of the generator in `checkpoint_dir`, checked against an explicit --arch."""
    spec = checkpoints.load_generator_spec(checkpoint_dir) or mlp_generator_spec(prefix)
    if alpha is not None and 'alpha' in spec['kwargs']:
        spec['kwargs']['alpha'] = alpha
    found_arch = spec['kwargs'].get('arch', spec['model'])
    if arch not in ('auto', found_arch):
        raise checkpoints.CheckpointError(f'--arch={arch} does not match {prefix}, which holds the '
                                          f'{found_arch!r} generator; pass --arch={found_arch} or --arch=auto.')
    return spec


def sample_generator(checkpoint_dir, num_samples, seed=None, arch='auto', alpha=None, labels=None,
                     batch_size=1000):
    """(num_samples, 784) float32 in [-1, 1] from the run's generator and its noise distribution.

    A conditional generator gets `labels` (default: 0, 1, ..., 9, 0, 1, ...).
    """
    if num_samples < 1:
        raise ValueError(f'num_samples must be at least 1, got {num_samples}')
    prefix = checkpoints.find_generator_checkpoint(checkpoint_dir)
    spec = generator_spec(checkpoint_dir, prefix, arch, alpha)
    labels = np.arange(num_samples) % 10 if labels is None else np.asarray(labels)
    noise = model.NOISE[spec['noise']]
    rng = np.random.RandomState(seed)
    builder = importlib.import_module(f'gan_graph.{spec["model"]}')
    with tf.Graph().as_default():
        input_z = v1.placeholder(tf.float32, (None, spec['z_size']), name='input_z')
        input_labels = v1.placeholder(tf.int32, (None,), name='input_labels')
        samples = builder.sampler(input_z, input_labels, **spec['kwargs'])
        saver = v1.train.Saver(var_list=v1.global_variables())
        with v1.Session() as sess:
            checkpoints.restore(sess, saver, prefix)
            chunks = []
            for start in range(0, num_samples, batch_size):
                stop = min(start + batch_size, num_samples)
                feed = {input_z: noise(rng, stop - start, spec['z_size'])}
                if spec['conditional']:
                    feed[input_labels] = labels[start:stop]
                chunks.append(sess.run(samples, feed))
    return np.concatenate(chunks).reshape(num_samples, -1).astype(np.float32)
