"""The layer functions: tf.layers names and shapes, what they compute, batch-norm statistics."""
import numpy as np
import pytest
import tensorflow as tf

from gan_graph.models import description
from gan_graph.nn import ops

v1 = tf.compat.v1


def test_conv_layers_are_named_and_counted_as_tf_layers_named_them():
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, (None, 28, 28, 1))
        z = v1.placeholder(tf.float32, (None, 7, 7, 8))
        for reuse in (False, True):
            with v1.variable_scope('net', reuse=reuse):
                a = ops.conv2d(x, 4, 5, strides=2, padding='same')
                b = ops.conv2d(a, 6, 3, strides=2, padding='valid')
                c = ops.conv2d_transpose(z, 3, 5, strides=2, padding='same')
                d = ops.conv2d_transpose(c, 2, 4, strides=2, padding='valid')
        assert [(var.op.name, tuple(var.shape.as_list())) for var in v1.trainable_variables()] == [
            ('net/conv2d/kernel', (5, 5, 1, 4)), ('net/conv2d/bias', (4,)),
            ('net/conv2d_1/kernel', (3, 3, 4, 6)), ('net/conv2d_1/bias', (6,)),
            ('net/conv2d_transpose/kernel', (5, 5, 3, 8)), ('net/conv2d_transpose/bias', (3,)),
            ('net/conv2d_transpose_1/kernel', (4, 4, 2, 3)), ('net/conv2d_transpose_1/bias', (2,))]
        assert a.shape.as_list() == [None, 14, 14, 4] and b.shape.as_list() == [None, 6, 6, 6]
        assert c.shape.as_list() == [None, 14, 14, 3] and d.shape.as_list() == [None, 30, 30, 2]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            out = sess.run(d, {z: np.ones((3, 7, 7, 8))})
        assert out.shape == (3, 30, 30, 2)


def test_conv2d_equals_a_numpy_convolution_and_the_transpose_is_its_adjoint():
    rng = np.random.RandomState(0)
    with tf.Graph().as_default(), v1.Session() as sess:
        x = tf.constant(rng.normal(size=(2, 6, 6, 3)), tf.float32)
        y = ops.conv2d(x, 4, 3, strides=2, padding='same', use_bias=False, name='down')
        u = tf.constant(rng.normal(size=(2, 3, 3, 4)), tf.float32)
        with v1.variable_scope('down', reuse=True):  # the same kernel, used transposed
            kernel = v1.get_variable('kernel')
        up = tf.nn.conv2d_transpose(u, kernel, [2, 6, 6, 3], strides=[1, 2, 2, 1], padding='SAME')
        sess.run(v1.global_variables_initializer())
        x_value, y_value, k_value, u_value, up_value = sess.run([x, y, kernel, u, up])
    # 'same' with stride 2 on 6x6 and a 3x3 kernel pads 0 before, 1 after
    padded = np.pad(x_value, ((0, 0), (0, 1), (0, 1), (0, 0)))
    expected = np.zeros((2, 3, 3, 4))
    for i in range(3):
        for j in range(3):
            patch = padded[:, 2 * i:2 * i + 3, 2 * j:2 * j + 3, :]
            expected[:, i, j, :] = np.einsum('nhwc,hwco->no', patch, k_value)
    np.testing.assert_allclose(y_value, expected, rtol=1e-4, atol=1e-5)
    # <conv(x), u> == <x, conv_transpose(u)>
    assert np.sum(y_value * u_value) == pytest.approx(np.sum(x_value * up_value), rel=1e-4)


def test_batch_norm_variables_and_update_ops():
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, (None, 3))
        with v1.variable_scope('generator'):
            ops.batch_norm(x, training=True)
            ops.batch_norm(x, training=True, momentum=0.8)
        with v1.variable_scope('generator', reuse=True):
            ops.batch_norm(x, training=False)  # the sampler: no updates
        with v1.variable_scope('generator_head'):
            ops.batch_norm(x, training=True)
        assert [(var.op.name, var.trainable) for var in v1.global_variables('generator/')] == [
            ('generator/batch_normalization/gamma', True), ('generator/batch_normalization/beta', True),
            ('generator/batch_normalization/moving_mean', False),
            ('generator/batch_normalization/moving_variance', False),
            ('generator/batch_normalization_1/gamma', True), ('generator/batch_normalization_1/beta', True),
            ('generator/batch_normalization_1/moving_mean', False),
            ('generator/batch_normalization_1/moving_variance', False)]
        assert len(v1.get_collection(v1.GraphKeys.UPDATE_OPS)) == 6
        assert len(ops.update_ops('generator')) == 4
        assert len(ops.update_ops('generator_head')) == 2


def test_batch_norm_normalizes_with_the_batch_when_training_and_with_moving_statistics_otherwise():
    rng = np.random.RandomState(1)
    batch = rng.normal(3.0, 2.0, (16, 4, 4, 5)).astype(np.float32)
    momentum, epsilon = 0.8, 1e-3
    with tf.Graph().as_default(), v1.Session() as sess:
        x = v1.placeholder(tf.float32, (None, 4, 4, 5))
        with v1.variable_scope('net'):
            train_out = ops.batch_norm(x, training=True, momentum=momentum)
        with v1.variable_scope('net', reuse=True):
            infer_out = ops.batch_norm(x, training=False, momentum=momentum)
            moving_mean = v1.get_variable('batch_normalization/moving_mean')
            moving_variance = v1.get_variable('batch_normalization/moving_variance')
        sess.run(v1.global_variables_initializer())
        # Before any update the moving statistics are (0, 1): inference barely changes the input.
        np.testing.assert_allclose(sess.run(infer_out, {x: batch}), batch / np.sqrt(1 + epsilon), rtol=1e-5)
        out = sess.run(train_out, {x: batch})
        np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-5)
        np.testing.assert_allclose(out.var(axis=(0, 1, 2)), 1 - epsilon / (batch.var(axis=(0, 1, 2)) + epsilon),
                                   rtol=1e-4)
        assert not sess.run(moving_mean).any()  # the output alone does not update
        sess.run(ops.update_ops('net'), {x: batch})
        mean, var = batch.mean(axis=(0, 1, 2)), batch.var(axis=(0, 1, 2))  # biased variance
        np.testing.assert_allclose(sess.run(moving_mean), (1 - momentum) * mean, rtol=1e-5)
        np.testing.assert_allclose(sess.run(moving_variance), momentum + (1 - momentum) * var, rtol=1e-5)
        mm, mv = sess.run([moving_mean, moving_variance])
        single = sess.run(infer_out, {x: batch[:1]})
    np.testing.assert_allclose(single, (batch[:1] - mm) / np.sqrt(mv + epsilon), rtol=1e-4, atol=1e-5)


def test_embedding_dropout_and_flatten():
    with tf.Graph().as_default(), v1.Session() as sess:
        v1.set_random_seed(0)
        ids = v1.placeholder(tf.int32, (None,))
        looked_up = ops.embedding(ids, 10, 7)
        x = tf.ones((200, 50))
        dropped = ops.dropout(x, 0.4, training=True)
        assert ops.dropout(x, 0.4, training=False) is x
        flat = ops.flatten(tf.zeros((3, 4, 5, 2)))
        sess.run(v1.global_variables_initializer())
        [table_var] = v1.global_variables()
        table = sess.run(table_var)
        rows, dropped_value = sess.run([looked_up, dropped], {ids: [3, 3, 9]})
    assert table_var.op.name == 'embedding/embeddings' and table.shape == (10, 7)
    assert np.abs(table).max() <= 0.05
    np.testing.assert_array_equal(rows, table[[3, 3, 9]])
    np.testing.assert_allclose(np.unique(dropped_value), [0.0, 1 / 0.6], rtol=1e-6)
    assert abs((dropped_value == 0).mean() - 0.4) < 0.03
    assert flat.shape.as_list() == [3, 40]


def test_leaky_relu_has_the_values_and_gradients_of_the_tutorials_max_form():
    x_value = np.array([-3.5, -1e-30, 0.0, 1e-30, 0.25, 7.0], np.float32)
    upstream = np.array([0.5, -2.0, 3.0, 1.5, -0.75, 2.0], np.float32)
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, x_value.shape)
        results = []
        for activation in (lambda x, alpha: tf.maximum(alpha * x, x), ops.leaky_relu):
            y = activation(x, 0.2)
            results.append((y, tf.gradients(y, x, grad_ys=upstream)[0]))
        with v1.Session() as sess:
            (max_y, max_grad), (keras_y, keras_grad) = sess.run(results, {x: x_value})
    np.testing.assert_array_equal(max_y, np.maximum(np.float32(0.2) * x_value, x_value))
    np.testing.assert_array_equal(keras_y, max_y)
    np.testing.assert_array_equal(max_grad, np.where(x_value > 0, 1, np.float32(0.2)) * upstream)
    np.testing.assert_array_equal(keras_grad, max_grad)


def test_leaky_relus_gradient_reads_its_output_so_grappler_can_fuse_the_layer():
    """A dense layer + leaky ReLU: the gradient's LeakyReluGrad takes the activation's output, so the bias
    add feeds only the activation and grappler's remapper can fuse matmul, bias and activation (with the
    bias add's output as the gradient's input, the remapper fails and drops all its fusions)."""
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, (4, 3))
        y = ops.leaky_relu(ops.dense(x, 5), 0.2)
        gradient_op = tf.gradients(tf.reduce_sum(y), x)[0].graph.get_operations()
        (leaky_grad,) = [op for op in gradient_op if op.type == 'LeakyReluGrad']
        assert leaky_grad.inputs[1] is y
        (bias_add,) = [op for op in gradient_op if op.type == 'BiasAdd']
        assert [consumer.type for consumer in bias_add.outputs[0].consumers()] == ['LeakyRelu']


def test_new_update_ops_holds_only_the_updates_added_in_its_block():
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, (None, 3))
        with v1.variable_scope('net'):
            ops.batch_norm(x, training=True)
        with ops.new_update_ops() as added:
            with v1.variable_scope('net', reuse=True):
                ops.batch_norm(x, training=True)
            with v1.variable_scope('net', reuse=True):
                ops.batch_norm(x, training=False)
        assert len(v1.get_collection(v1.GraphKeys.UPDATE_OPS)) == 4
        assert [op.name.split('/')[0] for op in added] == ['net_1', 'net_1']


def batch_norm_net(x, reuse=False, momentum=0.5):
    with v1.variable_scope('net', reuse=reuse):
        return ops.batch_norm(x, training=True, momentum=momentum)


def test_one_steps_two_passes_update_a_moving_statistic_in_order_and_untrained_passes_build_none():
    """D on real then on fake in one loss: the fake pass's update runs after the real one's (unordered, the
    two race), so one run gives m = momentum * (momentum * m0 + (1 - momentum) * mean_real) + (1 -
    momentum) * mean_fake every time. A network outside `updating` builds no updates."""
    rng = np.random.RandomState(3)
    real, fake = rng.normal(2.0, 1.0, (8, 3)), rng.normal(-1.0, 1.0, (8, 3))
    with tf.Graph().as_default(), v1.Session() as sess:
        calls = description.Calls({'net': description.Network('net', batch_norm_net)}, set())
        x_real, x_fake = v1.placeholder(tf.float64, (None, 3)), v1.placeholder(tf.float64, (None, 3))
        with calls.recording() as passes:
            calls.net(tf.cast(x_real, tf.float32)), calls.net(tf.cast(x_fake, tf.float32))
        updates = calls.updates_of(passes, ('net',))
        assert len(updates) == 4
        calls.updating = ()
        with calls.recording() as untrained:
            calls.net(tf.cast(x_real, tf.float32) * 2)
        assert calls.updates_of(untrained, ('net',)) == [] and len(ops.update_ops('net')) == 4
        moving_mean = [var for var in v1.global_variables() if var.op.name == 'net/batch_normalization/moving_mean'][0]
        sess.run(v1.global_variables_initializer())
        start = np.array([0.3, -0.2, 0.1], np.float32)
        expected = 0.5 * (0.5 * start + 0.5 * real.mean(0)) + 0.5 * fake.mean(0)
        for _ in range(20):
            moving_mean.load(start, sess)
            sess.run(updates, {x_real: real, x_fake: fake})
            np.testing.assert_allclose(sess.run(moving_mean), expected, rtol=1e-6)
