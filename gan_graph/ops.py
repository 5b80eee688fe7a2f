"""Tiny layer functions on tf.compat.v1.get_variable, named as tf.layers named them.

`tf.layers.dense` opened `variable_scope(None, default_name='dense')`, so the layers inside one
entry of `variable_scope('generator')` are `dense`, `dense_1`, ... and re-entering the scope with
reuse=True starts the count again. Doing the same keeps checkpoints interchangeable with the
original tutorial code (`generator/dense/kernel`, `generator/dense_1/bias`, ...).
"""
import tensorflow as tf

v1 = tf.compat.v1


def dense(inputs, units, activation=None, use_bias=True, name=None):
    """`tf.layers.dense`: glorot-uniform kernel, zero bias, variables `<scope>/dense[_N]/{kernel,bias}`."""
    in_units = inputs.shape[-1]
    with v1.variable_scope(name, default_name='dense'):
        kernel = v1.get_variable('kernel', [in_units, units], dtype=inputs.dtype,
                                 initializer=v1.glorot_uniform_initializer())
        outputs = tf.matmul(inputs, kernel)
        if use_bias:
            bias = v1.get_variable('bias', [units], dtype=inputs.dtype, initializer=v1.zeros_initializer())
            outputs = tf.nn.bias_add(outputs, bias)
    return activation(outputs) if activation is not None else outputs


def leaky_relu(x, alpha):
    """The tutorials' leaky ReLU, written as they wrote it: max(alpha*x, x)."""
    return tf.maximum(alpha * x, x)
