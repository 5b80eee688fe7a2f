"""StyleGAN's layers (NVlabs/stylegan, networks_stylegan.py), on tf.compat.v1.get_variable, in NHWC.

Equalised learning rate: a weight is stored as N(0, 1/lrmul) and multiplied at run time by
gain / sqrt(fan_in) * lrmul (He's constant), so every weight sees the same effective step under Adam
and `lrmul` slows a whole layer down (the mapping network's 0.01). Variables are named as the reference
names them inside its scopes: `weight`, `bias`, `Noise/weight`, `StyleMod/weight`.
"""
import math

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1
HE_GAIN = math.sqrt(2)


def equalized_weight(shape, gain=HE_GAIN, lrmul=1.0, name='weight'):
    """The reference's `get_weight(use_wscale=True)`: N(0, 1/lrmul) stored, times gain/sqrt(fan_in)*lrmul."""
    fan_in = math.prod(shape[:-1])   # [kernel, kernel, in, out] or [in, out]
    runtime_coef = gain / math.sqrt(fan_in) * lrmul
    weight = v1.get_variable(name, shape=shape, initializer=v1.random_normal_initializer(0.0, 1.0 / lrmul))
    return weight * runtime_coef


def equalized_dense(x, units, gain=HE_GAIN, lrmul=1.0):
    """x @ W, W an equalised weight; x flattened to (N, features) first."""
    if x.shape.ndims > 2:
        x = tf.reshape(x, [-1, math.prod(int(dim) for dim in x.shape[1:])])
    return tf.matmul(x, equalized_weight([int(x.shape[1]), units], gain, lrmul))


def equalized_conv2d(x, filters, kernel_size, gain=HE_GAIN):
    """A 'same' convolution with an equalised weight [k, k, in, filters]."""
    weight = equalized_weight([kernel_size, kernel_size, int(x.shape[-1]), filters], gain)
    return tf.nn.conv2d(x, weight, strides=[1, 1, 1, 1], padding='SAME')


def bias(x, lrmul=1.0):
    """A per-channel bias initialised to 0, scaled by lrmul at run time."""
    b = v1.get_variable('bias', shape=[int(x.shape[-1])], initializer=v1.zeros_initializer()) * lrmul
    return x + b


def pixel_norm(x, epsilon=1e-8):
    """Each feature vector scaled to unit root mean square (the latent z before the mapping)."""
    return x * tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=-1, keepdims=True) + epsilon)


def instance_norm(x, epsilon=1e-8):
    """Each feature map of each example to mean 0 and variance 1 over its pixels (no parameters)."""
    x -= tf.reduce_mean(x, axis=[1, 2], keepdims=True)
    return x * tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=[1, 2], keepdims=True) + epsilon)


def style_mod(x, dlatent):
    """AdaIN's style: an affine map of w gives a scale s and a bias b per channel; x * (s + 1) + b."""
    channels = int(x.shape[-1])
    with v1.variable_scope('StyleMod'):
        style = bias(equalized_dense(dlatent, channels * 2, gain=1.0))
        style = tf.reshape(style, [-1, 1, 1, 2, channels])
        return x * (style[:, :, :, 0] + 1) + style[:, :, :, 1]


def apply_noise(x, noise):
    """x + noise * a learned per-channel weight (initialised to 0): `noise` (N or 1, H, W, 1)."""
    with v1.variable_scope('Noise'):
        weight = v1.get_variable('weight', shape=[int(x.shape[-1])], initializer=v1.zeros_initializer())
        return x + noise * weight


def blur2d(x, kernel=(1, 2, 1)):
    """The [1, 2, 1] x [1, 2, 1] / 16 low-pass filter, per channel, 'same' padding (zeros outside)."""
    taps = np.asarray(kernel, np.float32)
    taps = np.outer(taps, taps)
    taps /= taps.sum()
    filters = np.tile(taps[:, :, None, None], [1, 1, int(x.shape[-1]), 1])
    return tf.nn.depthwise_conv2d(x, tf.constant(filters, x.dtype), strides=[1, 1, 1, 1], padding='SAME')


def upscale2d(x, factor=2):
    """Nearest-neighbour upsampling: every pixel repeated factor x factor times."""
    _, height, width, channels = x.shape.as_list()
    x = tf.reshape(x, [-1, height, 1, width, 1, channels])
    x = tf.tile(x, [1, 1, factor, 1, factor, 1])
    return tf.reshape(x, [-1, height * factor, width * factor, channels])


def downscale2d(x, factor=2):
    """Average of each factor x factor block (the reference's 2x2 box filter with stride 2)."""
    _, height, width, channels = x.shape.as_list()
    x = tf.reshape(x, [-1, height // factor, factor, width // factor, factor, channels])
    return tf.reduce_mean(x, axis=[2, 4])


def minibatch_stddev(x, group_size=4):
    """Appends one feature map: the standard deviation of each feature over a group of `group_size`
    examples (examples g*M + m for g < group_size form group m), averaged over features and pixels."""
    group_size = tf.minimum(group_size, tf.shape(x)[0])   # the batch must be divisible by it, or smaller
    _, height, width, channels = x.shape.as_list()
    y = tf.reshape(x, [group_size, -1, height, width, channels])
    y -= tf.reduce_mean(y, axis=0, keepdims=True)
    y = tf.sqrt(tf.reduce_mean(tf.square(y), axis=0) + 1e-8)     # (M, H, W, C)
    y = tf.reduce_mean(y, axis=[1, 2, 3], keepdims=True)           # (M, 1, 1, 1)
    y = tf.tile(y, [group_size, height, width, 1])                 # (N, H, W, 1)
    return tf.concat([x, y], axis=-1)
