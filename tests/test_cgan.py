"""The conditional GAN is Keras-GAN's: its layers, the label's way in, the three train steps, the figures."""
import functools

import numpy as np
import pytest
import tensorflow as tf

from gan_graph.data import mnist
from gan_graph.evaluate import conditional
from gan_graph.figures import family as family_figures
from gan_graph.models import cgan, mlp_gan
from gan_graph.train import graph as train_graph
from gan_graph.train import loop as train
from gan_graph.train import run_dir
from gan_graph.train import sampling
from conftest import build_graph, feed as make_feed, names, run_script

v1 = tf.compat.v1


def bn(scope, units):
    return [(f'{scope}/gamma', (units,)), (f'{scope}/beta', (units,))]


GENERATOR_VARIABLES = (
    [('generator/embedding/embeddings', (10, 100)),
     ('generator/dense/kernel', (100, 256)), ('generator/dense/bias', (256,))]
    + bn('generator/batch_normalization', 256)
    + [('generator/dense_1/kernel', (256, 512)), ('generator/dense_1/bias', (512,))]
    + bn('generator/batch_normalization_1', 512)
    + [('generator/dense_2/kernel', (512, 1024)), ('generator/dense_2/bias', (1024,))]
    + bn('generator/batch_normalization_2', 1024)
    + [('generator/dense_3/kernel', (1024, 784)), ('generator/dense_3/bias', (784,))])
DISCRIMINATOR_VARIABLES = [
    ('discriminator/embedding/embeddings', (10, 784)),
    ('discriminator/dense/kernel', (784, 512)), ('discriminator/dense/bias', (512,)),
    ('discriminator/dense_1/kernel', (512, 512)), ('discriminator/dense_1/bias', (512,)),
    ('discriminator/dense_2/kernel', (512, 512)), ('discriminator/dense_2/bias', (512,)),
    ('discriminator/dense_3/kernel', (512, 1)), ('discriminator/dense_3/bias', (1,))]


def build(seed=0, **kwargs):
    return build_graph(cgan.describe, seed, **kwargs)


def test_variables_and_shapes():
    graph, model = build()
    with graph.as_default():
        found = [(var.op.name, tuple(var.shape.as_list())) for var in v1.trainable_variables()]
        moving = [name for name in names(v1.global_variables('generator/')) if 'moving' in name]
        optimizer_slots = [name for name in names(v1.global_variables()) if 'Adam' in name]
        powers = [name for name in names(v1.global_variables()) if name.startswith('beta')]
    assert found == GENERATOR_VARIABLES + DISCRIMINATOR_VARIABLES
    assert names(model.variables['discriminator']) == [name for name, _ in DISCRIMINATOR_VARIABLES]
    assert sorted(names(model.export_state['generator'])) == sorted(names(model.variables['generator']) + moving) and len(moving) == 6
    # The two discriminator steps share one optimizer: one pair of moments per variable, one step count.
    assert len(optimizer_slots) == 2 * len(found) and len(powers) == 4
    assert model.placeholders['labels'].dtype == tf.int32 and model.placeholders['z'].shape.as_list() == [None, 100]


def test_phases_are_d_real_then_d_fake_then_g_with_random_labels():
    graph, model = build()
    assert [(step.name, step.repeats, step.feed) for step in model.description.steps] == [
        ('discriminator_real', 1, 'new_batch'), ('discriminator_fake', 1, 'same_feed'),
        ('generator', 1, 'same_feed')]
    assert model.description.inputs['z'].distribution == 'normal'
    assert model.description.exports['generator'].inputs == ('z', 'labels')
    sampled = graph.get_tensor_by_name('sampled_labels:0')
    with graph.as_default(), v1.Session() as sess:
        values = sess.run(sampled, {model.placeholders['labels']: np.zeros(500, np.int32)})
    assert values.shape == (500,) and set(values) == set(range(10))


def snapshot(sess, variables):
    return {var.op.name: sess.run(var) for var in variables}


def changed(before, after):
    return {name for name in before if not np.array_equal(before[name], after[name])}


def test_steps_change_their_own_network_and_only_the_g_step_updates_moving_statistics():
    graph, model = build()
    rng = np.random.RandomState(0)
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        everything = [var for var in v1.global_variables() if var.op.name.startswith(('generator/', 'discrim'))
                      and 'Adam' not in var.op.name]
        moving = {name for name in names(everything) if 'moving' in name}
        feed = make_feed(model, rng.uniform(-1, 1, (8, 784)), rng, rng.randint(0, 10, 8))
        states = [snapshot(sess, everything)]
        for step in model.description.steps:
            sess.run(model.train_ops[step.name], feed)
            states.append(snapshot(sess, everything))
        # Dropout is on in training, off in the sampler.
        assert sess.run(model.losses['Discriminator'], feed) != sess.run(model.losses['Discriminator'], feed)
        sample_feed = train_graph.sampler_feed(model.description, model.placeholders, rng, 4)
        np.testing.assert_array_equal(sess.run(model.samplers['generator'], sample_feed), sess.run(model.samplers['generator'], sample_feed))
    assert changed(states[0], states[1]) == set(names(model.variables['discriminator']))
    assert changed(states[1], states[2]) == set(names(model.variables['discriminator']))
    assert changed(states[2], states[3]) == set(names(model.variables['generator'])) | moving


def test_output_depends_on_the_label():
    graph, model = build()
    z = np.random.RandomState(0).normal(size=(1, 100)).repeat(10, axis=0)
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        images = sess.run(model.samplers['generator'], {model.placeholders['z']: z, model.placeholders['labels']: np.arange(10)})
        again = sess.run(model.samplers['generator'], {model.placeholders['z']: z, model.placeholders['labels']: np.arange(10)})
    np.testing.assert_array_equal(images, again)
    differences = np.abs(images[:, None] - images[None]).max(axis=-1)
    assert (differences + np.eye(10) > 1e-4).all()  # every pair of labels gives another image


@pytest.fixture(scope='module')
def small_run(mnist_data, tmp_path_factory):
    out = tmp_path_factory.mktemp('cgan_run')
    data = mnist.DataSet(mnist_data.train.all_images[:200], mnist_data.train.all_labels[:200],
                         np.random.RandomState(0))
    config = train.TrainConfig(epochs=1, batch_size=16, max_batches_per_epoch=3, seed=2, tensorboard=False)
    train.train_new_graph(cgan.describe(), data, config, str(out), log=lambda _: None)
    return out


def test_checkpoint_samples_follow_the_labels(small_run):
    checkpoint_dir = run_dir.checkpoint_dir(str(small_run))
    threes = sampling.sample_generator(checkpoint_dir, 5, seed=1, labels=[3] * 5)
    sevens = sampling.sample_generator(checkpoint_dir, 5, seed=1, labels=[7] * 5)
    one_by_one = sampling.sample_generator(checkpoint_dir, 5, seed=1, labels=[3] * 5, batch_size=1)
    assert np.abs(threes - sevens).max() > 1e-3
    np.testing.assert_allclose(threes, one_by_one, atol=1e-5)  # moving statistics, not the batch's


def test_family_figures_are_the_tutorials_digit_grid_and_a_10x10_grid(small_run):
    paths = list(family_figures.family_figures(str(small_run), seed=0))
    assert [path.rsplit('/', 1)[1] for path in paths] == ['digits.png', 'digits_10x10.png']
    fig = family_figures.digit_samples_figure(np.zeros((10, 784)), np.arange(10))
    assert [ax.get_title() for ax in fig.axes] == [f'Digit: {d}' for d in range(10)]
    assert len(fig.axes) == 10 and fig.axes[5].get_subplotspec().rowspan.start == 1  # 2 rows of 5
    fig = family_figures.digit_rows_figure(np.zeros((20, 784)), per_digit=2)
    assert [ax.get_ylabel() for ax in fig.axes[::2]] == [str(d) for d in range(10)]
    assert list(family_figures.digit_rows_labels()[::10]) == list(range(10))


def test_script_runs_and_rejects_bad_flags(tmp_path):
    result = run_script('train_cgan.py', '--epochs=1', '--max_batches_per_epoch=3', '--seed=1', '--notensorboard',
                        f'--output_dir={tmp_path}')
    assert result.stdout.startswith('Epoch 1/1... Discriminator Loss: ') and result.stderr == ''
    assert '--batch_size=32\n' in (tmp_path / 'flags.txt').read_text()
    bad = run_script('train_cgan.py', '--dropout=1.5', f'--output_dir={tmp_path}/bad', check=False)
    assert bad.returncode != 0 and 'flag --dropout=1.5' in bad.stderr and 'Traceback' not in bad.stderr


def test_label_accuracy_counts_the_judges_agreement_with_the_conditioned_digit(small_run):
    checkpoint_dir = run_dir.checkpoint_dir(str(small_run))
    seen = []

    def judge_says_three_unless_dark(images):
        seen.append(images)
        return np.where(images.mean(axis=1) > 2, 0, 3)

    overall, per_digit = conditional.label_accuracy(checkpoint_dir, judge_says_three_unless_dark, per_digit=4)
    assert seen[0].shape == (40, 784) and np.abs(seen[0]).max() <= 1
    assert overall == pytest.approx(0.1) and list(per_digit) == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]


def test_sample_labels_are_checked_against_the_generator():
    np.testing.assert_array_equal(sampling.checked_labels(cgan.describe(), [7, 0, 9]), [7, 0, 9])
    with pytest.raises(ValueError, match=r'--labels must be classes 0 to 9, got \[10\]'):
        sampling.checked_labels(cgan.describe(), [3, 10])
    with pytest.raises(ValueError, match='--labels: the mlp_gan_udacity generator is not conditional'):
        sampling.checked_labels(mlp_gan.describe(), [3])
