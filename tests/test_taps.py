"""Convolutions on one image channel through their taps (gan_graph/nn/taps.py): the same values and
gradients as TensorFlow's kernels, and used where the layers have one channel."""
import numpy as np
import pytest
import tensorflow as tf

from gan_graph.models import dcgan
from gan_graph.nn import ops, taps

v1 = tf.compat.v1

# (input size, kernel size, stride, padding, input channels, output channels)
CASES = [(14, 5, 2, 'SAME', 16, 1),    # the DCGAN's output layer, and its D's input gradient
         (7, 4, 2, 'SAME', 8, 1),      # the VAE decoder's
         (9, 3, 1, 'SAME', 4, 1),      # stride 1 (the VAE tutorial decoder's)
         (6, 5, 2, 'VALID', 4, 1),
         (13, 3, 2, 'SAME', 3, 2),     # odd sizes, two channels
         (5, 3, 3, 'SAME', 2, 1),      # stride 3: a tap per phase
         (4, 7, 1, 'VALID', 3, 1)]     # CycleGAN's 7x7 stride 1


def out_size(size, kernel_size, stride, padding):
    return size * stride if padding == 'SAME' else (size - 1) * stride + kernel_size


def numpy_conv2d_transpose(x, kernel, size, stride, padding):
    """The definition: input pixel (i, j) adds x[i, j] . kernel[ky, kx] to output (s*i + ky - pad, s*j + kx - pad),
    pad the leading padding of the convolution it transposes."""
    height, width = x.shape[1:3]
    kernel_size = kernel.shape[0]
    pad = 0 if padding == 'VALID' else max((height - 1) * stride + kernel_size - size, 0) // 2
    out = np.zeros((x.shape[0], size, size, kernel.shape[2]))
    for i in range(height):
        for j in range(width):
            for ky in range(kernel_size):
                for kx in range(kernel_size):
                    p, q = stride * i + ky - pad, stride * j + kx - pad
                    if 0 <= p < size and 0 <= q < size:
                        out[:, p, q, :] += x[:, i, j, :] @ kernel[ky, kx].T
    return out


def random(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize('size,kernel_size,stride,padding,in_channels,out_channels', CASES)
def test_transposed_equals_the_definition_and_tensorflows_kernel(size, kernel_size, stride, padding, in_channels,
                                                                 out_channels):
    rng = np.random.default_rng(0)
    x, kernel = random(rng, 3, size, size, in_channels), random(rng, kernel_size, kernel_size, out_channels,
                                                                in_channels)
    out = out_size(size, kernel_size, stride, padding)
    with tf.Graph().as_default(), v1.Session() as sess:
        got, tensorflows = sess.run([taps.transposed(tf.constant(x), tf.constant(kernel), (out, out), stride, padding),
                                     tf.nn.conv2d_transpose(x, kernel, (3, out, out, out_channels), stride, padding)])
    expected = numpy_conv2d_transpose(x.astype(np.float64), kernel.astype(np.float64), out, stride, padding)
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(got, tensorflows, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize('size,kernel_size,stride,padding,in_channels,out_channels', CASES)
def test_gradients_equal_tensorflows(size, kernel_size, stride, padding, in_channels, out_channels):
    """Both layers' gradients on their input and kernel, for a loss with a random upstream gradient."""
    rng = np.random.default_rng(1)
    out = out_size(size, kernel_size, stride, padding)
    maps, kernel = random(rng, 2, size, size, in_channels), random(rng, kernel_size, kernel_size, out_channels,
                                                                   in_channels)
    images = random(rng, 2, out, out, out_channels)
    with tf.Graph().as_default(), v1.Session() as sess:
        maps_t, kernel_t, images_t = tf.constant(maps), tf.constant(kernel), tf.constant(images)
        pairs = [(taps.conv2d_transpose(maps_t, kernel_t, (out, out), stride, padding),
                  tf.nn.conv2d_transpose(maps_t, kernel_t, (2, out, out, out_channels), stride, padding), maps_t),
                 (taps.conv2d(images_t, kernel_t, stride, padding),
                  tf.nn.conv2d(images_t, kernel_t, stride, padding), images_t)]
        for mine, tensorflows, inputs in pairs:
            upstream = tf.constant(random(rng, *mine.shape))
            got = sess.run(tf.gradients(tf.reduce_sum(mine * upstream), [inputs, kernel_t]))
            expected = sess.run(tf.gradients(tf.reduce_sum(tensorflows * upstream), [inputs, kernel_t]))
            for g, e in zip(got, expected):
                np.testing.assert_allclose(g, e, atol=1e-4, rtol=1e-4)


def test_is_narrow_takes_one_channel_only():
    assert taps.is_narrow(1, 5, 2)
    assert not taps.is_narrow(3, 5, 2)    # slower through the taps at the DCGAN's shapes
    assert not taps.is_narrow(1, 1, 2)    # a kernel smaller than the stride leaves phases without taps


def test_the_layers_take_the_taps_for_one_channel_and_keep_their_variables():
    with tf.Graph().as_default() as graph:
        maps = v1.placeholder(tf.float32, (None, 7, 7, 8))
        with v1.variable_scope('net'):
            wide = ops.conv2d_transpose(maps, 4, 5, strides=2, padding='same')
            image = ops.conv2d_transpose(wide, 1, 5, strides=2, padding='same')
            back = ops.conv2d(image, 4, 5, strides=2, padding='same')
        assert image.shape.as_list() == [None, 28, 28, 1] and back.shape.as_list() == [None, 14, 14, 4]
        assert {var.op.name: var.shape.as_list() for var in v1.trainable_variables()} == {
            'net/conv2d_transpose/kernel': [5, 5, 4, 8], 'net/conv2d_transpose/bias': [4],
            'net/conv2d_transpose_1/kernel': [5, 5, 1, 4], 'net/conv2d_transpose_1/bias': [1],
            'net/conv2d/kernel': [5, 5, 1, 4], 'net/conv2d/bias': [4]}
        forward = {op.type for op in graph.get_operations()}
        gradient_ops = len(graph.get_operations())
        tf.gradients(tf.reduce_sum(back), maps)
        backward = {op.type for op in graph.get_operations()[gradient_ops:]}
    # One native transposed convolution, to 4 channels; the gradient on the image builds none
    assert forward >= {'Conv2DBackpropInput', 'MatMul', 'Conv2D'}
    assert sum(op.type == 'Conv2DBackpropInput' for op in graph.get_operations()[:gradient_ops]) == 1
    assert 'Conv2DBackpropFilter' in backward


def test_the_dcgans_iteration_runs_no_transposed_convolution_to_one_channel():
    """Its generator's output layer and its discriminator's input gradient: the slow oneDNN kernel is gone."""
    with tf.Graph().as_default() as graph:
        z = v1.placeholder(tf.float32, (64, 100))
        _, logits = dcgan.discriminator(dcgan.generator(z))
        tf.gradients(logits, z)
    one_channel = [op for op in graph.get_operations() if op.type == 'Conv2DBackpropInput'
                   and op.outputs[0].shape.as_list()[-1] == 1]
    assert one_channel == []
    # To 64 channels, oneDNN's stay: G's first transposed convolution, the gradient on D's second layer's input
    assert [op.outputs[0].shape.as_list() for op in graph.get_operations() if op.type == 'Conv2DBackpropInput'] == [
        [64, 14, 14, 64]] * 2
