"""The learning-rate schedule shared by CycleGAN and the 3D-GAN: constant, then linearly to 0."""
import numpy as np
import tensorflow as tf

from gan_graph.nn import schedule

v1 = tf.compat.v1


def rates_at(iterations, decay_start, decay_iterations, base=2e-4):
    with tf.Graph().as_default():
        rate = schedule.linear_decay(base, decay_start, decay_iterations)
        counter = schedule.iteration_counter()
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            values = []
            for iteration in iterations:
                counter.load(iteration, sess)
                values.append(sess.run(rate))
    return values


def test_learning_rate_is_constant_then_decays_linearly_to_zero():
    values = rates_at((0, 10, 15, 20, 30, 40), decay_start=10, decay_iterations=20)
    np.testing.assert_allclose(values, [2e-4, 2e-4, 1.5e-4, 1e-4, 0.0, 0.0], atol=1e-10)


def test_no_decay_iterations_keep_the_base_rate():
    assert schedule.linear_decay(2e-4, decay_start=0, decay_iterations=0) == 2e-4


def test_the_decay_covers_the_last_epochs_and_at_most_the_whole_run():
    assert schedule.decaying_over_last_epochs(epochs=100, decay_epochs=30, iterations_per_epoch=50) == (3500, 1500)
    assert schedule.decaying_over_last_epochs(epochs=10, decay_epochs=30, iterations_per_epoch=50) == (0, 500)
    assert schedule.decaying_over_last_epochs(epochs=10, decay_epochs=0, iterations_per_epoch=50) == (500, 0)


def test_counting_an_iteration_adds_one():
    with tf.Graph().as_default():
        count = schedule.count_iteration(variables=[])
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            sess.run(count)
            sess.run(count)
            assert sess.run(schedule.iteration_counter()) == 2
