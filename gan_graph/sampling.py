"""Restore a generator checkpoint (ours or the original notebook's) and draw samples from it.

The MLP generator's shape is read from the checkpoint itself: `generator/dense*/kernel` gives z_size,
the hidden sizes and the output size, and a third dense layer means the blog variant.
"""
import dataclasses

import numpy as np
import tensorflow as tf

from gan_graph import checkpoints, mlp_gan, model

v1 = tf.compat.v1


@dataclasses.dataclass
class GeneratorSpec:
    arch: str
    z_size: int
    n_units: int
    out_dim: int


def mlp_generator_spec(prefix):
    """Infer arch and sizes of the MLP generator stored at checkpoint `prefix`."""
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
    return GeneratorSpec(arch=arch, z_size=int(z_size), n_units=int(n_units), out_dim=int(out_dim))


def check_arch(spec, arch, prefix):
    if arch not in ('auto', spec.arch):
        raise checkpoints.CheckpointError(f'--arch={arch} does not match {prefix}, which holds the '
                                          f'{spec.arch!r} generator; pass --arch={spec.arch} or --arch=auto.')


def sample_generator(checkpoint_dir, num_samples, seed=None, arch='auto', alpha=0.01, batch_size=1000):
    """(num_samples, out_dim) float32 in [-1, 1] from uniform(-1, 1) noise, as the notebook sampled."""
    if num_samples < 1:
        raise ValueError(f'num_samples must be at least 1, got {num_samples}')
    prefix = checkpoints.find_generator_checkpoint(checkpoint_dir)
    spec = mlp_generator_spec(prefix)
    check_arch(spec, arch, prefix)
    rng = np.random.RandomState(seed)
    with tf.Graph().as_default():
        input_z = v1.placeholder(tf.float32, (None, spec.z_size), name='input_z')
        samples = mlp_gan.generator(input_z, spec.out_dim, n_units=spec.n_units, alpha=alpha, arch=spec.arch)
        saver = v1.train.Saver(var_list=model.scope_variables('generator'))
        with v1.Session() as sess:
            checkpoints.restore(sess, saver, prefix)
            chunks = [sess.run(samples, {input_z: model.uniform_noise(rng, min(batch_size, num_samples - start),
                                                                      spec.z_size)})
                      for start in range(0, num_samples, batch_size)]
    return np.concatenate(chunks).astype(np.float32)
