"""Convolutions on few image channels as one matrix product: the DCGAN's generator output and the
gradient of its discriminator's input layer.

A transposed convolution to one channel (14x14x64 -> 28x28x1, kernel 5, stride 2) runs in oneDNN's
`Conv2DBackpropInput` at about 5% of the matmul rate on the 2-core AVX-512 CPU, and it is three of a
DCGAN iteration's products: G's output layer in the D step and in the G step, and the gradient on D's
input in the G step. The same sum as a product: every input pixel's contribution to every kernel tap
at once (`x @ kernel`, the full channel depth per product), then each output pixel sums the taps that
land on it. With stride s the outputs fall into s*s phases (row mod s, column mod s), each of which
sums a fixed set of taps, shifted; depth_to_space interleaves the phases. 1.3 ms against 3.9 ms for
the DCGAN's layer (batch 64); the gradients stay oneDNN's convolutions, which are fast here.
"""
import tensorflow as tf
from tensorflow.python.ops import gen_nn_ops

# Transposed convolutions to at most this many channels, and the input gradient of convolutions from
# at most this many, go through the taps: one channel, every model's images (DCGAN, WGAN, VAE, Keras
# DCGAN, CycleGAN), 1.4-4.7x faster per layer. (Three channels at the DCGAN's shapes: 1.4x, but no
# model has such a layer to measure in training.)
NARROW_CHANNELS = 1


def is_narrow(channels, kernel_size, strides):
    """Whether the taps path serves a layer with `channels` image channels (every output phase needs a tap)."""
    return channels <= NARROW_CHANNELS and kernel_size >= strides


def padding_before(in_size, out_size, kernel_size, stride, padding):
    """The leading padding of the convolution (out_size -> in_size) whose transpose this is."""
    if padding == 'VALID':
        return 0
    return max((in_size - 1) * stride + kernel_size - out_size, 0) // 2


def phase_taps(in_size, out_size, kernel_size, stride, padding):
    """For each output phase a (outputs s*m + a), the taps (k, d) landing there: output s*m + a takes tap
    k of input pixel m + d, for s*(m + d) + k - pad = s*m + a."""
    pad = padding_before(in_size, out_size, kernel_size, stride, padding)
    return [[(k, (a + pad - k) // stride) for k in range(kernel_size) if (a + pad - k) % stride == 0]
            for a in range(stride)]


def transposed(x, kernel, out_size, stride, padding):
    """`tf.nn.conv2d_transpose(x, kernel, (N,) + out_size + (C_out,), stride, padding)`: x (N, H, W, C_in),
    kernel (k, k, C_out, C_in), as the product of x with every tap, the taps then summed per phase."""
    height, width, in_channels = x.shape[1:]
    kernel_size, _, out_channels, _ = kernel.shape
    taps = tf.matmul(tf.reshape(x, (-1, in_channels)), tf.reshape(kernel, (-1, in_channels)), transpose_b=True)
    taps = tf.reshape(taps, (-1, height, width, kernel_size * kernel_size * out_channels))
    rows = phase_taps(height, out_size[0], kernel_size, stride, padding)
    cols = phase_taps(width, out_size[1], kernel_size, stride, padding)
    steps = [-(-size // stride) for size in out_size]   # outputs per phase (the last phases may have fewer)
    shifts = [[d for phase in phases for _, d in phase] for phases in (rows, cols)]
    before = [max(0, -min(d)) for d in shifts]
    after = [max(0, steps[axis] - 1 + max(shifts[axis]) - (size - 1))
             for axis, size in enumerate((height, width))]
    taps = tf.pad(taps, [[0, 0], [before[0], after[0]], [before[1], after[1]], [0, 0]])

    def phase(row_taps, col_taps):
        terms = [taps[:, before[0] + dy:before[0] + dy + steps[0], before[1] + dx:before[1] + dx + steps[1],
                      (ky * kernel_size + kx) * out_channels:(ky * kernel_size + kx + 1) * out_channels]
                 for ky, dy in row_taps for kx, dx in col_taps]
        return tf.add_n(terms)

    phases = [phase(row, col) for row in rows for col in cols]
    if stride == 1:
        return phases[0]
    # Phase (a, b) as channels (a*s + b)*C_out + c, which depth_to_space interleaves into rows and columns
    out = tf.nn.depth_to_space(tf.concat(phases, 3), stride)
    if tuple(out.shape[1:3]) == tuple(out_size):
        return out
    return out[:, :out_size[0], :out_size[1], :]


def conv2d_transpose(x, kernel, out_size, stride, padding):
    """`transposed`, with the gradients TensorFlow gives `tf.nn.conv2d_transpose` (oneDNN's convolution
    and filter gradient: both fast at these shapes)."""
    strides = [1, stride, stride, 1]

    @tf.custom_gradient
    def forward(x, kernel):
        def gradient(grad):
            return (tf.nn.conv2d(grad, kernel, strides, padding),
                    gen_nn_ops.conv2d_backprop_filter(grad, tf.shape(kernel), x, strides, padding))
        return transposed(x, kernel, out_size, stride, padding), gradient
    return forward(x, kernel)


@tf.RegisterGradient('Conv2DNarrowInput')
def _conv2d_narrow_input_grad(op, grad):
    """Conv2D's gradients, the input's through the taps (it is the transposed convolution to the input's
    few channels)."""
    x, kernel = op.inputs
    strides, padding = op.get_attr('strides'), op.get_attr('padding').decode()
    return (transposed(grad, kernel, tuple(x.shape[1:3]), strides[1], padding),
            gen_nn_ops.conv2d_backprop_filter(x, tf.shape(kernel), grad, strides, padding))


def conv2d(x, kernel, stride, padding):
    """`tf.nn.conv2d` (oneDNN's, fast forward), its input gradient through the taps."""
    with tf.compat.v1.get_default_graph().gradient_override_map({'Conv2D': 'Conv2DNarrowInput'}):
        return tf.nn.conv2d(x, kernel, strides=[1, stride, stride, 1], padding=padding)
