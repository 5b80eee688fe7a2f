"""CycleGAN: its loss terms against numpy, the history pool's rate, which variables each step changes,
the learning-rate schedule, the translation sampler's fixed inputs, and a short run that resumes."""
import os

import numpy as np
import pytest
import tensorflow as tf

from gan_graph.data import domains
from gan_graph.evaluate import comparison, cyclegan as cyclegan_eval
from gan_graph.evaluate import judge
from gan_graph.figures import cyclegan as cyclegan_figures
from gan_graph.figures.grid import plt
from gan_graph.models import cyclegan, description as d
from gan_graph.train import graph as train_graph
from gan_graph.train import loop as train
from gan_graph.train import files, run_dir
from conftest import REPO_ROOT, build_graph, names

v1 = tf.compat.v1
# identity_weight=0 leaves out two generator passes: a smaller graph, built faster
TINY = dict(ngf=2, ndf=2, residual_blocks=1, pool_size=4, identity_weight=0.0)
SHAPE = (32, 32, 1)
JUDGE_DIR, OUTLINE_JUDGE_DIR = (os.path.join(REPO_ROOT, path) for path in (judge.DEFAULT_JUDGE_DIR,
                                                                           judge.OUTLINE_JUDGE_DIR))
# Grappler's rewrites of the full graph take most of a first sess.run; these tests run each op once or twice.
UNOPTIMIZED = v1.ConfigProto()
UNOPTIMIZED.graph_options.rewrite_options.disable_meta_optimizer = True


def stub_networks(description):
    """The model's networks replaced by fixed functions numpy can follow: G(x) = 0.5 x + 0.1,
    F(x) = -x, D(x) = the 2x2 map x[:, ::16, ::16]; no pools (pool_size=0)."""
    fns = {'generator_ab': lambda x: 0.5 * x + 0.1, 'generator_ba': lambda x: -x,
           'discriminator_a': lambda x: x[:, ::16, ::16], 'discriminator_b': lambda x: x[:, ::16, ::16]}
    return {name: d.Network(name, lambda x, reuse=False, fn=fn, **kwargs: fn(x)) for name, fn in fns.items()}


def numpy_terms(a, b, cycle_lambda, identity_weight):
    def g(x):
        return 0.5 * x + 0.1

    def f(x):
        return -x

    def patches(x):
        return x[:, ::16, ::16]

    def l1(x, y):
        return np.mean(np.abs(x - y))

    return {
        'Generator_AB': np.mean((patches(g(a)) - 1) ** 2),
        'Generator_BA': np.mean((patches(f(b)) - 1) ** 2),
        'Cycle': cycle_lambda * (l1(f(g(a)), a) + l1(g(f(b)), b)),
        'Identity': identity_weight * cycle_lambda * (l1(g(b), b) + l1(f(a), a)),
        'Discriminator_A': 0.5 * (np.mean((patches(a) - 1) ** 2) + np.mean(patches(f(b)) ** 2)),
        'Discriminator_B': 0.5 * (np.mean((patches(b) - 1) ** 2) + np.mean(patches(g(a)) ** 2)),
    }


def test_lsgan_cycle_and_identity_terms_equal_numpy():
    rng = np.random.RandomState(0)
    a, b = rng.uniform(-1, 1, (2, 3) + SHAPE).astype(np.float32)
    description = cyclegan.describe(pool_size=0, cycle_lambda=7.0, identity_weight=0.3)
    assert description.logged_losses == ['Generator_AB', 'Generator_BA', 'Cycle', 'Identity', 'Discriminator_A',
                                         'Discriminator_B']
    with tf.Graph().as_default():
        calls = d.Calls(stub_networks(description), set())
        batch = d.Batch(a=tf.constant(a), b=tf.constant(b))
        terms = {name: loss.fn(calls, batch) for name, loss in description.losses.items()}
        with v1.Session() as sess:
            values = sess.run(terms)
    expected = numpy_terms(a, b, 7.0, 0.3)
    for name, value in expected.items():
        np.testing.assert_allclose(values[name], value, rtol=1e-5, err_msg=name)
    np.testing.assert_allclose(values['Generators'], sum(expected[name] for name in list(expected)[:4]), rtol=1e-5)
    np.testing.assert_allclose(values['Discriminators'],
                               expected['Discriminator_A'] + expected['Discriminator_B'], rtol=1e-5)


def test_history_pool_fills_then_returns_an_old_fake_half_the_time():
    size, batch, queries = 10, 5, 400
    with tf.Graph().as_default():
        v1.set_random_seed(0)
        fakes = v1.placeholder(tf.float32, (None, 1, 1, 1))
        returned = cyclegan.history_pool(fakes, size=size)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            seen, old = 0, 0
            for query in range(queries):
                ids = np.arange(query * batch, (query + 1) * batch, dtype=np.float32) + 1  # every fake unique
                out = sess.run(returned, {fakes: ids.reshape(-1, 1, 1, 1)}).ravel()
                if query < size // batch:
                    np.testing.assert_array_equal(out, ids)  # filling: every fake comes back as it is
                    continue
                is_old = out != ids
                assert (out[is_old] < ids[is_old]).all()  # an old fake was given before it (maybe earlier in its batch)
                seen, old = seen + batch, old + is_old.sum()
            pool, count = sess.run([v for v in v1.global_variables() if v.op.name in ('pool_a/images',
                                                                                      'pool_a/count')])
    assert count == size and len(np.unique(pool)) == size and pool.min() > 0
    assert abs(old / seen - 0.5) < 0.05, old / seen


def snapshot(sess, variables):
    return {var.op.name: sess.run(var) for var in variables}


def changed(before, after):
    return {name for name in before if not np.array_equal(before[name], after[name])}


def test_each_step_changes_only_the_variables_of_the_networks_it_trains():
    graph, model = build_graph(cyclegan.describe, **TINY)
    rng = np.random.RandomState(0)
    feed = {model.placeholders[name]: rng.uniform(-1, 1, (2,) + SHAPE) for name in ('a', 'b')}
    generators = set(names(model.variables['generator_ab'] + model.variables['generator_ba']))
    discriminators = set(names(model.variables['discriminator_a'] + model.variables['discriminator_b']))
    assert generators and discriminators and all(name.startswith('generator_') for name in generators)
    with graph.as_default(), v1.Session(config=UNOPTIMIZED) as sess:
        sess.run(v1.global_variables_initializer())
        trainable = v1.trainable_variables()
        state = [v for v in v1.global_variables() if v.op.name in ('pool_a/count', 'learning_rate_schedule/iteration')]
        before = snapshot(sess, trainable)
        sess.run(model.train_ops['generators'], feed)
        after_g = snapshot(sess, trainable)
        assert changed(before, after_g) == generators
        assert sess.run(state) == [0, 0]  # the generators' step neither queries the pool nor counts
        sess.run(model.train_ops['discriminators'], feed)
        assert changed(after_g, snapshot(sess, trainable)) == discriminators
        assert sess.run(state) == [2, 1]
        sess.run(model.logged_losses, feed)
        assert sess.run(state) == [2, 1]  # logging the losses leaves pools and schedule alone


def test_the_tutorial_variant_is_described_with_a_run_length():
    assert cyclegan.describe(variant='tutorial', epochs=4, iterations_per_epoch=5).hparams['variant'] == 'tutorial'


def test_tutorial_variant_has_unet_generators_cross_entropy_and_no_pools():
    description = cyclegan.describe(variant='tutorial', ngf=2, ndf=2)
    assert set(description.networks) == {'generator_ab', 'generator_ba', 'discriminator_a', 'discriminator_b'}
    assert description.networks['generator_ab'].fn is cyclegan.unet_generator
    with tf.Graph().as_default():
        images = v1.placeholder(tf.float32, (None,) + SHAPE)
        translated = cyclegan.unet_generator(images, ngf=2, training=False)
        # The skip connections: concatenations of the generator's own (a layer's scope may hold more)
        skips = [op for op in tf.compat.v1.get_default_graph().get_operations()
                 if op.type == 'ConcatV2' and op.name.rsplit('/', 1)[0] == 'generator_ab']
        logits = tf.constant([[2.0], [-1.0]])
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            out, loss = sess.run([translated, cyclegan.CrossEntropy.generator(logits)],
                                 {images: np.zeros((2,) + SHAPE)})
    assert out.shape == (2,) + SHAPE and np.abs(out).max() <= 1 and len(skips) == 4
    np.testing.assert_allclose(loss, np.mean(np.log1p(np.exp(-np.array([2.0, -1.0])))), rtol=1e-5)


def test_a_translation_sampler_translates_the_given_examples_of_its_domain():
    description = cyclegan.describe(**TINY)
    assert train_graph.translates_data(description)
    examples = np.arange(5 * 2 * 32 * 32, dtype=np.float32).reshape(5, 2, 32, 32, 1)
    with tf.Graph().as_default():
        placeholders = {'a': train_graph.input_placeholder(description, 'a')}
        feed = train_graph.sampler_feed(description, placeholders, np.random.RandomState(0), 3, examples=examples)
        np.testing.assert_array_equal(feed[placeholders['a']], examples[:3, 0])
        with pytest.raises(ValueError, match="translates its data input 'a'"):
            train_graph.sampler_feed(description, placeholders, np.random.RandomState(0), 3)


def test_each_epoch_keeps_both_cycles_of_the_first_test_examples():
    description = cyclegan.describe(pool_size=0)
    examples = np.random.RandomState(0).uniform(-1, 1, (10, 2) + SHAPE).astype(np.float32)
    with tf.Graph().as_default():
        placeholders = {name: train_graph.input_placeholder(description, name) for name in ('a', 'b')}
        samples = train_graph.epoch_samples(description, d.Calls(stub_networks(description), set()),
                                            d.Batch(placeholders), samplers={})
        # the loop asks for its 16 samples an epoch; the rows take the first 8 examples of each domain
        feed = train_graph.epoch_feed(description, placeholders, np.random.RandomState(0), 16, examples=examples)
        with v1.Session() as sess:
            kept = sess.run(samples, feed)
    a, b = examples[:8, 0], examples[:8, 1]
    g, f = (lambda x: 0.5 * x + 0.1), (lambda x: -x)   # the stubs' G and F
    np.testing.assert_allclose(kept, np.concatenate([a, g(a), f(g(a)), b, f(b), g(f(b))]), rtol=1e-6)


def test_epoch_figures_skip_a_run_that_kept_translations_only(tmp_path):
    files.write_pickle(str(tmp_path / run_dir.SAMPLES), [np.zeros((16,) + SHAPE, np.float32)] * 2)
    lines = []
    assert cyclegan_figures.epoch_figures(str(tmp_path), domains.outlines_spec(), str(tmp_path / 'figures'),
                                          lines.append) == []
    assert 'no epoch rows of 6 x 8 images (found [16] images an epoch)' in lines[0]


def tiny_domains(num=16):
    rng = np.random.RandomState(0)
    images = rng.uniform(-1, 1, (num, 2) + SHAPE).astype(np.float32)
    labels = rng.randint(0, 10, (num, 2))
    return domains.UnpairedDomains(images, labels, np.arange(2 * num).reshape(num, 2), rng)


def test_a_short_run_resumes_with_its_pools_schedule_and_both_generators(tmp_path):
    output_dir = str(tmp_path / 'run')
    description = cyclegan.describe(epochs=2, iterations_per_epoch=2, **TINY)
    data = tiny_domains()
    config = train.TrainConfig(epochs=1, batch_size=2, max_batches_per_epoch=2, num_samples=4, tensorboard=False,
                               sample_examples=data.all_images, session_config=UNOPTIMIZED)
    train.train_new_graph(description, data, config, output_dir, log=lambda line: None)
    lines = []
    config.epochs = 2
    history = train.train_new_graph(description, tiny_domains(), config, output_dir, log=lines.append)
    assert lines[0].startswith(f'Resuming {output_dir} after epoch 1')
    assert len(history.samples) == 2 and history.samples[-1].shape == (6 * 8,) + SHAPE
    assert len(history.losses[-1]) == 6
    checkpoint_dir = run_dir.checkpoint_dir(output_dir)
    prefix = train.checkpoints.latest_training_checkpoint(checkpoint_dir)
    assert tf.train.load_variable(prefix, 'learning_rate_schedule/iteration') == 4
    assert tf.train.load_variable(prefix, 'pool_b/count') == 4
    saved = dict(tf.train.list_variables(os.path.join(checkpoint_dir, 'generator.ckpt')))
    assert saved and all(name.startswith('generator_ab/') for name in saved)
    written = cyclegan_figures.cyclegan_figures(output_dir, None, str(tmp_path / 'figures'), 0, print,
                                               examples=(data.all_images[:, 0], data.all_images[:, 1]))
    assert [os.path.relpath(path, tmp_path / 'figures') for path in written] == [
        'translations.png', 'patch_maps.png', 'cycles/epoch_001.png', 'cycles/epoch_002.png']
    assert all(plt.imread(path).shape[0] > 100 for path in written)
    # the last epoch's rows are the final checkpoint's cycles of the first 8 examples
    a, b = data.all_images[:8, 0], data.all_images[:8, 1]
    with cyclegan_eval.Translator(output_dir) as restored:
        expected = cyclegan_figures.translation_rows(a, b, restored.translate(a, b))
    np.testing.assert_allclose(history.samples[-1], np.concatenate(expected), atol=1e-6)
    # a comparison of runs takes G's translations from the checkpoint, not the epoch's rows
    assert not comparison.keeps_generator_samples(output_dir)
    # evaluate.py's path: both generators restored, the test split translated, both judges read it
    with judge.load(JUDGE_DIR) as digits_judge, judge.load(OUTLINE_JUDGE_DIR) as outline_judge:
        record = cyclegan_eval.evaluate_run(output_dir, digits_judge, outline_judge, num_examples=100)
    assert record['num_examples'] == 100 and record['outline_judge']['fingerprint'] != record['judge']['fingerprint']
    values = record['metrics']
    assert values['judge_real_a'] >= 0.95 and values['outline_judge_real_b'] >= 0.95  # real test images
    assert all(0 <= values[key] <= 1 for key in ('survival_translated_a', 'survival_translated_b'))


class StubJudge:
    """Reads the digit from the mean of the 28x28 crop it is given: (mean + 1) * 5, rounded down."""

    def predict(self, images):
        assert images.shape[1] == 784  # padding cropped, flat
        digits = np.clip(((images.mean(axis=1) + 1) * 5).astype(int), 0, 9)
        return np.eye(10)[digits], None


def test_cycle_metrics_are_l1_distances_and_judge_accuracies_against_the_source_labels():
    spec = domains.outlines_spec()
    labels = np.arange(4)
    a = np.full((4,) + SHAPE, -1.0, np.float32)
    a[:, 2:-2, 2:-2] = (labels / 5 - 1 + 0.05)[:, None, None, None]  # the stub judge reads these labels
    b = np.where(np.arange(32) % 2 == 0, 1.0, -1.0)[:, None] * np.ones((4,) + SHAPE, np.float32)  # stripes
    outputs = {'fake_b': np.full_like(b, -0.99), 'reconstructed_a': a.copy(), 'fake_a': a[::-1].copy(),
               'reconstructed_b': b - 0.5}
    outputs['reconstructed_a'][0] += 0.4  # one digit comes back brighter: read as another label
    values = cyclegan_eval.cycle_metrics(StubJudge(), StubJudge(), a, b, labels, labels, outputs, spec)
    assert values['cycle_l1_a'] == pytest.approx(0.1, rel=1e-5)
    assert values['cycle_l1_b'] == pytest.approx(0.5)
    assert values['survival_reconstructed_a'] == 0.75 and values['judge_real_a'] == 1.0
    assert values['survival_translated_b'] == 0.0  # fake_a holds the digits in reverse order
    assert values['ink_fake_b'] == 0.0 and values['ink_real_b'] == 0.5
    # the outline judge reads G(a) (all -0.99: digit 0) and the real outlines (crop mean 0: digit 5)
    assert values['survival_translated_a'] == 0.25 and values['outline_judge_real_b'] == 0.0
