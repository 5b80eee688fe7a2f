"""Tiny layer functions on tf.compat.v1.get_variable, named as tf.layers named them.

`tf.layers.dense` opened `variable_scope(None, default_name='dense')`, so the layers inside one
entry of `variable_scope('generator')` are `dense`, `dense_1`, ... and re-entering the scope with
reuse=True starts the count again. Doing the same keeps checkpoints interchangeable with the
original tutorial code (`generator/dense/kernel`, `generator/dense_1/bias`, ...).
"""
import contextlib
import math
import re

import tensorflow as tf
from tensorflow.python.ops import gen_nn_ops

from gan_graph.nn import taps

v1 = tf.compat.v1


def dense(inputs, units, activation=None, use_bias=True, name=None, kernel_initializer=None):
    """`tf.layers.dense`: glorot-uniform kernel (or `kernel_initializer`), zero bias, variables
    `<scope>/dense[_N]/{kernel,bias}`."""
    in_units = inputs.shape[-1]
    with v1.variable_scope(name, default_name='dense'):
        kernel = v1.get_variable('kernel', [in_units, units], dtype=inputs.dtype,
                                 initializer=kernel_initializer or v1.glorot_uniform_initializer())
        outputs = tf.matmul(inputs, kernel)
        if use_bias:
            bias = v1.get_variable('bias', [units], dtype=inputs.dtype, initializer=v1.zeros_initializer())
            outputs = tf.nn.bias_add(outputs, bias)
    return activation(outputs) if activation is not None else outputs


@tf.RegisterGradient('LeakyReluFromOutput')
def _leaky_relu_grad_from_output(op, grad):
    """LeakyReLU's gradient read off its output: for 0 <= alpha <= 1 the output is > 0 exactly where the
    input is, so the gradient is the same."""
    return gen_nn_ops.leaky_relu_grad(grad, op.outputs[0], alpha=op.get_attr('alpha'))


def leaky_relu(x, alpha):
    """The TF1 tutorials' `max(alpha*x, x)` and Keras' `LeakyReLU(alpha)`: the one op `tf.nn.leaky_relu`,
    with the values and gradients of the max form for 0 <= alpha <= 1 (tests/test_ops.py) but without
    its multiply, maximum and select-based gradient ops. Its gradient reads the op's output, not its
    input (as ReLU's does): with the input's, grappler's remapper fails on every graph where a
    convolution or matrix product + bias feeds the leaky ReLU (it would fuse the three, yet the
    gradient still needs the sum) and drops all its fusions."""
    with tf.compat.v1.get_default_graph().gradient_override_map({'LeakyRelu': 'LeakyReluFromOutput'}):
        return tf.nn.leaky_relu(x, alpha)


def conv2d(inputs, filters, kernel_size, strides=1, padding='valid', activation=None, use_bias=True, name=None,
           kernel_initializer=None):
    """`tf.layers.conv2d` (NHWC): glorot-uniform kernel [k, k, in, filters] (or `kernel_initializer`),
    zero bias, variables `<scope>/conv2d[_N]/{kernel,bias}`."""
    in_channels = inputs.shape[-1]
    with v1.variable_scope(name, default_name='conv2d'):
        kernel = v1.get_variable('kernel', [kernel_size, kernel_size, in_channels, filters], dtype=inputs.dtype,
                                 initializer=kernel_initializer or v1.glorot_uniform_initializer())
        if taps.is_narrow(in_channels, kernel_size, strides):   # an image input: its gradient through the taps
            outputs = taps.conv2d(inputs, kernel, strides, padding.upper())
        else:
            outputs = tf.nn.conv2d(inputs, kernel, strides=[1, strides, strides, 1], padding=padding.upper())
        if use_bias:
            bias = v1.get_variable('bias', [filters], dtype=inputs.dtype, initializer=v1.zeros_initializer())
            outputs = tf.nn.bias_add(outputs, bias)
    return activation(outputs) if activation is not None else outputs


def deconv_output_size(size, kernel_size, strides, padding):
    """Spatial size after a transposed convolution, as tf.layers computed it."""
    if padding == 'same':
        return size * strides
    return size * strides + max(kernel_size - strides, 0)


def conv2d_transpose(inputs, filters, kernel_size, strides=1, padding='valid', activation=None, use_bias=True,
                     name=None, kernel_initializer=None):
    """`tf.layers.conv2d_transpose` (NHWC): glorot-uniform kernel [k, k, filters, in] (output channels
    first, as tf.nn.conv2d_transpose wants it; or `kernel_initializer`), zero bias, variables
    `<scope>/conv2d_transpose[_N]/...`."""
    height, width, in_channels = inputs.shape[1:]
    with v1.variable_scope(name, default_name='conv2d_transpose'):
        kernel = v1.get_variable('kernel', [kernel_size, kernel_size, filters, in_channels], dtype=inputs.dtype,
                                 initializer=kernel_initializer or v1.glorot_uniform_initializer())
        out_height = deconv_output_size(height, kernel_size, strides, padding)
        out_width = deconv_output_size(width, kernel_size, strides, padding)
        if taps.is_narrow(filters, kernel_size, strides):   # an image output: through the taps
            outputs = taps.conv2d_transpose(inputs, kernel, (out_height, out_width), strides, padding.upper())
        else:
            output_shape = tf.stack([tf.shape(inputs)[0], out_height, out_width, filters])
            outputs = tf.nn.conv2d_transpose(inputs, kernel, output_shape, strides=[1, strides, strides, 1],
                                             padding=padding.upper())
        outputs.set_shape([inputs.shape[0], out_height, out_width, filters])
        if use_bias:
            bias = v1.get_variable('bias', [filters], dtype=inputs.dtype, initializer=v1.zeros_initializer())
            outputs = tf.nn.bias_add(outputs, bias)
    return activation(outputs) if activation is not None else outputs


def conv3d(inputs, filters, kernel_size, strides=1, padding='valid', activation=None, use_bias=True, name=None):
    """`tf.layers.conv3d` (NDHWC): glorot-uniform kernel [k, k, k, in, filters], zero bias,
    variables `<scope>/conv3d[_N]/{kernel,bias}`."""
    in_channels = inputs.shape[-1]
    with v1.variable_scope(name, default_name='conv3d'):
        kernel = v1.get_variable('kernel', [kernel_size] * 3 + [in_channels, filters], dtype=inputs.dtype,
                                 initializer=v1.glorot_uniform_initializer())
        outputs = tf.nn.conv3d(inputs, kernel, strides=[1, strides, strides, strides, 1], padding=padding.upper())
        if use_bias:
            bias = v1.get_variable('bias', [filters], dtype=inputs.dtype, initializer=v1.zeros_initializer())
            outputs = tf.nn.bias_add(outputs, bias)
    return activation(outputs) if activation is not None else outputs


def conv3d_transpose(inputs, filters, kernel_size, strides=1, padding='valid', activation=None, use_bias=True,
                     name=None):
    """`tf.layers.conv3d_transpose` (NDHWC): glorot-uniform kernel [k, k, k, filters, in], zero bias,
    variables `<scope>/conv3d_transpose[_N]/{kernel,bias}`."""
    depth, height, width, in_channels = inputs.shape[1:]
    with v1.variable_scope(name, default_name='conv3d_transpose'):
        kernel = v1.get_variable('kernel', [kernel_size] * 3 + [filters, in_channels], dtype=inputs.dtype,
                                 initializer=v1.glorot_uniform_initializer())
        out_sizes = [deconv_output_size(size, kernel_size, strides, padding) for size in (depth, height, width)]
        output_shape = tf.stack([tf.shape(inputs)[0], *out_sizes, filters])
        outputs = tf.nn.conv3d_transpose(inputs, kernel, output_shape, strides=[1, strides, strides, strides, 1],
                                         padding=padding.upper())
        outputs.set_shape([inputs.shape[0], *out_sizes, filters])
        if use_bias:
            bias = v1.get_variable('bias', [filters], dtype=inputs.dtype, initializer=v1.zeros_initializer())
            outputs = tf.nn.bias_add(outputs, bias)
    return activation(outputs) if activation is not None else outputs


def batch_norm(inputs, training, momentum=0.99, epsilon=1e-3, name=None):
    """`tf.layers.batch_normalization` over the last axis: variables `<scope>/batch_normalization[_N]/`
    gamma (ones), beta (zeros) and the non-trainable moving_mean (zeros) and moving_variance (ones).

    training=True: normalize with the batch's mean and (biased) variance and add the moving-average
    updates, `moving -= (moving - batch) * (1 - momentum)`, to GraphKeys.UPDATE_OPS; run them with the
    train op (`update_ops(scope)`). training=False: normalize with the moving statistics, no updates.
    """
    params_shape = [inputs.shape[-1]]
    with v1.variable_scope(name, default_name='batch_normalization'):
        gamma = v1.get_variable('gamma', params_shape, dtype=inputs.dtype, initializer=v1.ones_initializer())
        beta = v1.get_variable('beta', params_shape, dtype=inputs.dtype, initializer=v1.zeros_initializer())
        moving_mean = v1.get_variable('moving_mean', params_shape, dtype=inputs.dtype,
                                      initializer=v1.zeros_initializer(), trainable=False)
        moving_variance = v1.get_variable('moving_variance', params_shape, dtype=inputs.dtype,
                                          initializer=v1.ones_initializer(), trainable=False)
        if not training:
            return normalize(inputs, moving_mean, moving_variance, beta, gamma, epsilon)
        outputs, mean, variance = normalize_with_batch_statistics(inputs, beta, gamma, epsilon)
        for moving, batch in ((moving_mean, mean), (moving_variance, variance)):
            add_update(lambda moving=moving, batch=batch: v1.assign_sub(moving, (moving - batch) * (1 - momentum)))
        return outputs


def normalize(inputs, mean, variance, beta, gamma, epsilon):
    """Normalize with given statistics (the moving ones, when sampling)."""
    if inputs.shape.ndims == 4:
        return v1.nn.fused_batch_norm(inputs, gamma, beta, mean, variance, epsilon, is_training=False)[0]
    return tf.nn.batch_normalization(inputs, mean, variance, beta, gamma, epsilon)


def normalize_with_batch_statistics(inputs, beta, gamma, epsilon):
    """(normalized inputs, batch mean, biased batch variance). Feature maps (4-D) take the one fused
    kernel, as tf.layers did (fused=None), with its Bessel correction removed as tf.layers removed it;
    other ranks take tf.nn.moments."""
    if inputs.shape.ndims == 4:
        outputs, mean, unbiased_variance = v1.nn.fused_batch_norm(inputs, gamma, beta, epsilon=epsilon,
                                                                  is_training=True)
        count = tf.cast(tf.size(inputs) // tf.size(mean), inputs.dtype)
        return outputs, mean, unbiased_variance * (count - 1) / count
    mean, variance = tf.nn.moments(inputs, axes=list(range(inputs.shape.ndims - 1)))
    return tf.nn.batch_normalization(inputs, mean, variance, beta, gamma, epsilon), mean, variance


def instance_norm(inputs, epsilon=1e-5, name=None):
    """Instance normalization (Ulyanov et al.) of NHWC feature maps: each example's channel normalized
    over its own height and width (biased variance), then scaled and shifted per channel by `gamma`
    (ones) and `beta` (zeros), variables `<scope>/instance_normalization[_N]/`. No batch statistics:
    an example's output does not depend on the rest of its batch."""
    params_shape = [inputs.shape[-1]]
    with v1.variable_scope(name, default_name='instance_normalization'):
        gamma = v1.get_variable('gamma', params_shape, dtype=inputs.dtype, initializer=v1.ones_initializer())
        beta = v1.get_variable('beta', params_shape, dtype=inputs.dtype, initializer=v1.zeros_initializer())
        mean, variance = tf.nn.moments(inputs, axes=[1, 2], keepdims=True)
        return tf.nn.batch_normalization(inputs, mean, variance, beta, gamma, epsilon)


def reflection_pad(inputs, pad):
    """PyTorch's `nn.ReflectionPad2d(pad)` on NHWC maps: the border mirrored, its edge pixel not repeated."""
    return tf.pad(inputs, [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode='REFLECT')


def update_ops(scope):
    """The batch-norm updates of the network built under variable scope `scope` (every entry of it:
    `scope/`, `scope_1/`, ...); run a train op under `tf.control_dependencies(update_ops(scope))`."""
    entry = re.compile(re.escape(scope) + r'(_\d+)?/')
    return [op for op in v1.get_collection(v1.GraphKeys.UPDATE_OPS) if entry.match(op.name)]


_skipped_updates = []   # inside `without_updates()`: one list per block, counting what it skipped
_earlier_updates = []    # inside `updates_after(ops)`: those ops


def add_update(build_update):
    """Adds the op `build_update()` builds (a moving statistic's update) to GraphKeys.UPDATE_OPS, unless
    built inside `without_updates()`; inside `updates_after(ops)` it reads and writes after those ops."""
    if _skipped_updates:
        _skipped_updates[-1].append(build_update)
        return
    with tf.control_dependencies(_earlier_updates[-1] if _earlier_updates else []):
        v1.add_to_collection(v1.GraphKeys.UPDATE_OPS, build_update())


@contextlib.contextmanager
def updates_after(earlier):
    """Updates built here run after the ops `earlier`: a network applied twice in one step (D on real, then
    on fake) updates each moving statistic twice, and unordered the two would race (as they do in the
    tutorials' TF1 graphs), each reading the statistic before the other's write or after it."""
    _earlier_updates.append(list(earlier))
    try:
        yield
    finally:
        _earlier_updates.pop()


@contextlib.contextmanager
def without_updates():
    """Networks built here normalise with their batch's statistics but build no updates: for a pass whose
    updates no step runs (inside a tf.function every stateful op built runs). Yields a list that, after
    the block, holds one entry per update skipped."""
    skipped = []
    _skipped_updates.append(skipped)
    try:
        yield skipped
    finally:
        _skipped_updates.pop()


@contextlib.contextmanager
def new_update_ops():
    """Yields a list that, after the block, holds the batch-norm updates the block added: a network
    built again for another step (the fast loop's fused step) runs its own updates, not every call's."""
    collection = v1.get_collection_ref(v1.GraphKeys.UPDATE_OPS)
    before = len(collection)
    added = []
    yield added
    added.extend(collection[before:])


def embedding(ids, input_dim, output_dim, name=None):
    """Keras' `Embedding(input_dim, output_dim)` + Flatten for one id per example: a table
    `<scope>/embedding[_N]/embeddings` [input_dim, output_dim], uniform in [-0.05, 0.05]."""
    with v1.variable_scope(name, default_name='embedding'):
        table = v1.get_variable('embeddings', [input_dim, output_dim],
                                initializer=v1.random_uniform_initializer(-0.05, 0.05))
        return tf.nn.embedding_lookup(table, ids)


def dropout(inputs, rate, training, name=None):
    """`tf.layers.dropout`: zero a fraction `rate` of the units and scale the rest by 1/(1 - rate)
    when training; identity otherwise. No variables."""
    if not training or rate == 0:
        return inputs
    with tf.name_scope(name or 'dropout'):
        return tf.nn.dropout(inputs, rate=rate)


def up_sampling2d(inputs, size=2):
    """Keras' `UpSampling2D(size)` (NHWC): nearest neighbour, each pixel repeated size x size times
    (`resize_nearest_neighbor` to size times the height and width, as Keras 2's backend did). No variables."""
    height, width = inputs.shape[1:3]
    return v1.image.resize_nearest_neighbor(inputs, [height * size, width * size])


def max_pool2d(inputs, pool_size=2):
    """Keras' `MaxPooling2D(pool_size)`: strides = pool_size, 'valid' padding (NHWC). No variables."""
    return tf.nn.max_pool2d(inputs, pool_size, pool_size, 'VALID')


def flatten(inputs):
    """`tf.layers.flatten`: (N, ...) -> (N, prod(...))."""
    return tf.reshape(inputs, [-1, math.prod(int(dim) for dim in inputs.shape[1:])])
