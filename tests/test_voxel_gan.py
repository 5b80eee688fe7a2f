"""The 3D-GAN: 3-D layers, G and D shapes at 16^3, 32^3 and 64^3, the 80% gate, resuming, and the
voxel metrics (flood fill, nearest IoU, the committed voxel judge)."""
import contextlib
import json
import os
import shutil

from mpl_toolkits.mplot3d import art3d
import numpy as np
import pytest

from conftest import build_graph, run_script
from gan_graph import models
from gan_graph.data import procedural
from gan_graph.figures import family as family_figures, voxel_gan as voxel_figures
from gan_graph.figures.grid import plt
from gan_graph.evaluate import judge as mnist_judge, voxel_gan as voxel_metrics, voxel_judge
from gan_graph.models import voxel_gan
from gan_graph.nn import ops
from gan_graph.train import loop as train_loop
import tensorflow as tf  # noqa: E402  (after gan_graph: quiet)

v1 = tf.compat.v1
TINY = dict(resolution=16, filters=(8, 4))


def test_conv3d_transpose_is_the_adjoint_of_conv3d_with_tf_layers_names():
    """<conv3d(x, K), y> = <x, conv3d_transpose(y, K)> for the same kernel: the transposed convolution."""
    rng = np.random.RandomState(0)
    with tf.Graph().as_default():
        x = tf.constant(rng.normal(size=(2, 8, 8, 8, 3)), tf.float32)
        y = tf.constant(rng.normal(size=(2, 4, 4, 4, 5)), tf.float32)
        with v1.variable_scope('net'):
            down = ops.conv3d(x, 5, 4, strides=2, padding='same', use_bias=False)
            up = ops.conv3d_transpose(y, 3, 4, strides=2, padding='same', use_bias=False)
        down_kernel, up_kernel = v1.global_variables()
        assert (down_kernel.op.name, up_kernel.op.name) == ('net/conv3d/kernel', 'net/conv3d_transpose/kernel')
        assert down_kernel.shape == (4, 4, 4, 3, 5) and up_kernel.shape == (4, 4, 4, 3, 5)
        assert up.shape == (2, 8, 8, 8, 3)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            sess.run(up_kernel.assign(down_kernel))
            down_value, up_value = sess.run([down, up])
            x_value, y_value = sess.run([x, y])
    np.testing.assert_allclose(np.sum(down_value * y_value), np.sum(x_value * up_value), rtol=1e-4)


@pytest.mark.parametrize('resolution', voxel_gan.RESOLUTIONS)
def test_generator_and_discriminator_shapes_without_biases(resolution):
    description = voxel_gan.describe(resolution=resolution)
    _, training_graph = build_graph(lambda: description)
    g_model = training_graph.samplers['generator']
    assert g_model.shape.as_list() == [None, resolution, resolution, resolution, 1]
    g_kernels = [var.shape.as_list() for var in training_graph.variables['generator'] if 'kernel' in var.name]
    channels = voxel_gan.CHANNELS[resolution]
    assert g_kernels[0] == [4, 4, 4, channels[0], 200]
    assert [kernel[3] for kernel in g_kernels] == list(channels) + [1]
    d_kernels = [var.shape.as_list() for var in training_graph.variables['discriminator'] if 'kernel' in var.name]
    assert [kernel[4] for kernel in d_kernels] == list(channels[::-1]) + [1]
    for variables in training_graph.variables.values():
        assert not any('bias' in var.name for var in variables)
    # D's first layer has no batch norm: one fewer than its convolutions
    assert sum('gamma' in var.name for var in training_graph.variables['discriminator']) == len(channels) - 1
    assert training_graph.losses['Discriminator'].shape == ()


def test_noise_is_the_papers_uniform_or_the_ports_normal():
    rng = np.random.RandomState(0)
    uniform, normal = voxel_gan.noise('uniform', 200), voxel_gan.noise('normal', 200)
    draws = uniform.numpy(rng, 500)
    assert draws.min() >= 0 and draws.max() < 1 and abs(draws.mean() - 0.5) < 0.01
    assert abs(normal.numpy(rng, 500).std() - 0.33) < 0.005
    with tf.Graph().as_default(), v1.Session() as sess:
        in_graph = sess.run([uniform.tensor(500, [1, 2]), normal.tensor(500, [1, 2])])
    assert in_graph[0].min() >= 0 and in_graph[0].max() < 1 and abs(in_graph[1].std() - 0.33) < 0.005


def test_the_papers_z_leaves_a_quarter_of_the_first_layers_variance_to_z():
    """Uniform [0, 1) has mean 0.5: the first layer maps every z to one fixed pattern plus a part that
    varies with z, var(z) / (var(z) + mean(z)^2) = 1/4 of the whole; N(0, 0.33) leaves all of it to z."""
    rng = np.random.RandomState(0)
    shares = {}
    for z_dist in voxel_gan.Z_DISTS:
        z = voxel_gan.noise(z_dist, 200).numpy(rng, 500)
        with tf.Graph().as_default():
            v1.set_random_seed(0)
            layer = ops.conv3d_transpose(tf.constant(z.reshape(-1, 1, 1, 1, 200), tf.float32), 16, 4, strides=1,
                                         padding='valid', use_bias=False)
            with v1.Session() as sess:
                sess.run(v1.global_variables_initializer())
                values = sess.run(layer)
        shares[z_dist] = values.var(axis=0).mean() / values.var()
    assert shares['uniform'] == pytest.approx(0.25, abs=0.03) and shares['normal'] == pytest.approx(1.0, abs=0.03)


def tiny_feed(training_graph, rng, batch_size=6):
    images = procedural.rasterise(procedural.random_shapes(rng, batch_size, 16), 16)
    return {training_graph.placeholders['real']: images,
            training_graph.placeholders['z']: rng.uniform(size=(batch_size, 200))}


def test_the_gate_skips_d_exactly_when_its_last_accuracy_is_at_least_80_percent():
    graph, training_graph = build_graph(voxel_gan.describe, **TINY)
    rng = np.random.RandomState(0)
    with graph.as_default():
        accuracy, skipped = voxel_gan.gate_variables()
        d_vars = training_graph.variables['discriminator']
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            feed = tiny_feed(training_graph, rng)
            for last_accuracy, trains in ((0.8, False), (0.95, False), (0.79, True), (0.0, True)):
                sess.run(accuracy.assign(last_accuracy))
                before, skips = sess.run(d_vars), sess.run(skipped)
                sess.run(training_graph.train_ops['discriminator'], feed)
                changed = any(not np.array_equal(a, b) for a, b in zip(before, sess.run(d_vars)))
                assert changed == trains
                assert sess.run(skipped) == skips + (0 if trains else 1)
            # The G step's pass records D's accuracy on its batch, for the next D step to read.
            expected = sess.run(training_graph.losses['D accuracy'], feed)
            (_, real_logits), (_, fake_logits) = [
                sess.run(voxel_gan.discriminator(x, reuse=True, filters=TINY['filters']), feed) for x in
                (training_graph.placeholders['real'], voxel_gan.generator(training_graph.placeholders['z'], reuse=True,
                                                                           filters=TINY['filters']))]
            numpy_accuracy = (np.sum(real_logits > 0) + np.sum(fake_logits < 0)) / (2 * len(real_logits))
            assert expected == pytest.approx(numpy_accuracy)
            sess.run(training_graph.train_ops['generator'], feed)
            assert sess.run(accuracy) == pytest.approx(expected)


def test_the_averaged_generator_follows_gs_formula_and_is_what_a_run_exports(tmp_path):
    """--g_average_half_life_kimg: twins of G's variables start as G, follow G's moving average after every
    G step (batch-norm statistics copied), stay put in D steps, and are the run's samples and checkpoint.
    Built as a run's manifest rebuilds it, from the hparams run.json records: its batch size sets beta."""
    def rebuilt_from_hparams(**kwargs):
        return models.describe('voxel_gan', json.loads(json.dumps(voxel_gan.describe(**kwargs).hparams)))
    graph, training_graph = build_graph(rebuilt_from_hparams, g_average_half_life_kimg=0.01, batch_size=6, **TINY)
    beta = 0.5 ** (6 / 10)
    rng = np.random.RandomState(0)
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        g_vars = [var for var in v1.global_variables('generator/') if 'Adam' not in var.op.name]
        averages = v1.global_variables(voxel_gan.AVERAGE_SCOPE + '/')
        assert [var.op.name for var in averages] == [f'{voxel_gan.AVERAGE_SCOPE}/{var.op.name}' for var in g_vars]
        assert training_graph.export_state['generator'] == averages
        assert not any(var in v1.trainable_variables() for var in averages)
        for g_value, average in zip(sess.run(g_vars), sess.run(averages)):
            np.testing.assert_array_equal(g_value, average)   # they start as G
        trainable = {var.op.name for var in v1.trainable_variables()}
        for _ in range(2):
            feed = tiny_feed(training_graph, rng)
            before = sess.run(averages)
            sess.run(training_graph.train_ops['discriminator'], feed)
            for old, new in zip(before, sess.run(averages)):
                np.testing.assert_array_equal(old, new)
            sess.run(training_graph.train_ops['generator'], feed)
            for var, g_value, old, new in zip(g_vars, sess.run(g_vars), before, sess.run(averages)):
                rate = beta if var.op.name in trainable else 0.0
                np.testing.assert_allclose(new, g_value + (old - g_value) * rate, rtol=1e-5, atol=1e-7)
        assert not np.array_equal(*sess.run([g_vars[0], averages[0]]))
        # The samples are the average's
        feed = tiny_feed(training_graph, rng)
        z = feed[training_graph.placeholders['z']]
        sampled = sess.run(training_graph.samplers['generator'], {training_graph.placeholders['z']: z})
        average_input = v1.placeholder(tf.float32, z.shape)
        own = voxel_gan.averaged_generator(average_input, training=False, filters=TINY['filters'])
        np.testing.assert_array_equal(sampled, sess.run(own, {average_input: z}))


def small_train_set():
    return procedural.read_data_sets(seed=0, spec=procedural.voxel_spec(16), num_train=24, num_validation=2,
                                     num_test=2).train


TINY_CONFIG = train_loop.TrainConfig(epochs=2, batch_size=6, max_batches_per_epoch=2, seed=1, tensorboard=True,
                                     num_samples=4)


@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory):
    """Two epochs of two batches at 16^3: (run directory, History)."""
    directory = str(tmp_path_factory.mktemp('voxel_run'))
    history = train_loop.train_new_graph(voxel_gan.describe(**TINY), small_train_set(), TINY_CONFIG, directory,
                                         log=print)
    return directory, history


def test_a_short_run_resumes_as_the_uninterrupted_run(tmp_path, tiny_run):
    _, whole = tiny_run
    description = voxel_gan.describe(**TINY)
    one_epoch = train_loop.TrainConfig(**{**vars(TINY_CONFIG), 'epochs': 1})
    train_loop.train_new_graph(description, small_train_set(), one_epoch, str(tmp_path), log=print)
    lines = []
    resumed = train_loop.train_new_graph(description, small_train_set(), TINY_CONFIG, str(tmp_path), log=lines.append)
    assert lines[0].startswith('Resuming') and resumed.epochs_done == 2
    np.testing.assert_allclose(resumed.losses, whole.losses, rtol=1e-5)
    # The losses: D, G, D's accuracy (a fraction), the skipped D updates so far (a count, carried over)
    accuracy, skips = np.asarray(whole.losses)[:, 2], np.asarray(whole.losses)[:, 3]
    assert np.all((0 <= accuracy) & (accuracy <= 1)) and np.all(np.diff(skips) >= 0)


def test_figures_of_a_run_sample_interpolate_and_plot_the_gate(tiny_run, monkeypatch):
    directory, _ = tiny_run
    drawn = []
    # Count the solids drawn
    monkeypatch.setattr(voxel_figures, 'draw_solid', lambda ax, voxels, title=None: drawn.append(voxels.shape))
    written = list(family_figures.family_figures(directory, seed=0))
    assert [os.path.basename(path) for path in written] == ['voxel_samples.png', 'voxel_interpolation.png',
                                                            'd_accuracy.png']
    assert drawn == [(16, 16, 16, 1)] * (voxel_figures.NUM_SAMPLES + voxel_figures.NUM_STEPS)
    for path in written:
        assert plt.imread(path).shape[-1] == 4
    # TensorBoard shows each epoch's 4 samples as their 16x16 silhouettes, tiled 2 x 2
    events = [path for path in os.listdir(directory) if path.startswith('events.out.tfevents')]
    images = [value.image for event in v1.train.summary_iterator(os.path.join(directory, events[0]))
              for value in event.summary.value if value.tag == 'samples']
    assert len(images) == 2 and (images[0].height, images[0].width) == (32, 32)
    z = voxel_figures.interpolated_noise(voxel_gan.noise('uniform', 200), np.random.RandomState(0), 6)
    np.testing.assert_allclose(z[1] - z[0], z[5] - z[4], rtol=1e-6)


def test_solids_render_as_voxels():
    shapes = procedural.Shapes(kinds=np.array([procedural.SPHERE, procedural.BOX]),
                               sizes=np.array([[5.0, 0, 0], [6.0, 8.0, 4.0]]), centers=np.full((2, 3), 8.0),
                               rotations=np.stack([np.eye(3)] * 2))
    fig = voxel_figures.solids_figure(procedural.rasterise(shapes, 16), ncols=2)
    assert [len(ax.collections) > 0 for ax in fig.axes] == [True, True]
    plt.close(fig)


def canonical(face):
    """A face's corners as tuples, from its least corner on: two faces differ only by where their winding
    starts, or by their winding (their normal, which the shading sees)."""
    corners = [tuple(corner) for corner in np.asarray(face, np.float64).tolist()]
    return tuple(min(corners[i:] + corners[:i] for i in range(len(corners))))


@contextlib.contextmanager
def recorded_faces(monkeypatch):
    """Yields a list which collects the faces handed to each Poly3DCollection made meanwhile."""
    faces = []

    class Recorded(art3d.Poly3DCollection):
        def __init__(self, verts, *args, **kwargs):
            faces.extend(canonical(face) for face in verts)
            super().__init__(verts, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(art3d, 'Poly3DCollection', Recorded)
        yield faces


def test_a_solid_is_drawn_with_the_faces_and_windings_ax_voxels_draws(monkeypatch):
    solid = np.random.RandomState(0).uniform(size=(5, 6, 7)) < 0.4
    fig = plt.figure()
    with recorded_faces(monkeypatch) as ours:
        voxel_figures.draw_solid(fig.add_subplot(1, 2, 1, projection='3d'), solid.astype(np.float32))
    with recorded_faces(monkeypatch) as theirs:
        fig.add_subplot(1, 2, 2, projection='3d').voxels(solid)
    plt.close(fig)
    assert len(ours) == len(set(ours)) and sorted(ours) == sorted(theirs)


def test_a_filled_cube_draws_its_surface_only():
    """The interior voxels, never seen, draw nothing: a 6^3 cube draws its 6 x 6^2 surface squares."""
    solid = np.zeros((8, 8, 8), bool)
    solid[1:7, 1:7, 1:7] = True
    faces = voxel_figures.exposed_faces(solid)
    assert faces.shape == (6 * 36, 4, 3)
    assert all(np.any(np.all((face == 1) | (face == 7), axis=0)) for face in faces)


def test_a_noisy_untrained_solid_is_drawn_max_pooled_within_the_face_budget(monkeypatch):
    """A 35%-occupied 32^3 sample (an untrained G) has about 46,000 exposed faces: `ax.voxels` took minutes a
    figure. It is drawn max-pooled to 16^3, within MAX_FACES, filling the same 32^3 box, and says so."""
    noise = (np.random.RandomState(0).uniform(size=(1, 32, 32, 32, 1)) < 0.35).astype(np.float32)
    assert len(voxel_figures.exposed_faces(noise[0, ..., 0] > 0.5)) > voxel_figures.MAX_FACES
    with recorded_faces(monkeypatch) as faces:
        fig = voxel_figures.solids_figure(noise, ncols=1)
    assert 0 < len(faces) <= voxel_figures.MAX_FACES
    assert np.min(faces) == 0 and np.max(faces) == 32
    assert fig.axes[0].get_title() == 'drawn max-pooled to 16^3'
    plt.close(fig)


def test_max_pooling_keeps_a_cell_where_any_of_its_voxels_is_occupied():
    solid = np.zeros((5, 4, 6), bool)
    solid[4, 1, 3] = True
    pooled = voxel_figures.max_pool(solid)
    assert pooled.shape == (3, 2, 3) and np.argwhere(pooled).tolist() == [[2, 0, 1]]


def test_the_metrics_refuse_a_run_of_another_resolution_than_the_judge(tiny_run):
    with pytest.raises(ValueError, match='generates 16\\^3 voxels; the voxel judge .* classifies 32\\^3'):
        voxel_metrics.evaluate_run(tiny_run[0])


def test_the_script_refuses_bad_filters_in_one_line(tmp_path):
    result = run_script('train_voxel_gan.py', '--resolution=16', '--filters=8,4,2', f'--output_dir={tmp_path}',
                        check=False)
    assert result.returncode != 0
    assert '--filters: 16^3 takes 2 layer widths' in result.stderr and 'Traceback' not in result.stderr


def test_voxel_data_are_stored_as_uint8_and_served_as_float32():
    train = small_train_set()
    assert train.all_images.dtype == np.uint8
    images, _ = train.next_batch(5)
    assert images.dtype == np.float32 and set(np.unique(images)) <= {0.0, 1.0}


def test_voxels_draw_as_their_projection_along_depth():
    spec = procedural.voxel_spec(16)
    voxels = np.zeros((2, 16, 16, 16, 1), np.float32)
    voxels[0, 3, 4, 5] = voxels[1, 9, 1, 2] = 1
    images = spec.as_images(voxels)
    assert images.shape == (2, 16, 16, 1) and spec.drawn_shape == (16, 16, 1)
    np.testing.assert_array_equal(images, voxels.max(axis=1))


def test_single_solid_counts_face_connected_grids():
    grids = np.zeros((5, 8, 8, 8), bool)
    grids[0, 1:4, 1:4, 1:4] = True                                    # a cube
    grids[1, 1:3, 1:3, 1:3] = grids[1, 5:7, 5:7, 5:7] = True          # two cubes apart
    grids[2, 1, 1:7, 1] = grids[2, 1:7, 6, 1] = grids[2, 6, 6, 1:7] = True  # a bent rod: one solid
    grids[3, 2, 2, 2] = grids[3, 3, 3, 2] = True                      # touching along an edge only
    # grids[4] is empty: no solid
    np.testing.assert_array_equal(voxel_metrics.single_solid(grids), [True, False, True, False, False])


def test_nearest_iou_matches_numpy():
    rng = np.random.RandomState(0)
    samples, pool = rng.uniform(size=(7, 4, 4, 4)) > 0.6, rng.uniform(size=(9, 4, 4, 4)) > 0.5
    expected = [max(np.sum(a & b) / np.sum(a | b) for b in pool) for a in samples]
    np.testing.assert_allclose(voxel_metrics.nearest_iou(samples, pool, chunk=3), expected, rtol=1e-6)
    assert voxel_metrics.nearest_iou(pool[:2], pool).tolist() == [1.0, 1.0]


def test_the_committed_voxel_judge_is_verified_and_names_shapes(tmp_path):
    with voxel_judge.VoxelJudge() as judge:
        data = procedural.read_data_sets(seed=5, spec=procedural.voxel_spec(judge.resolution), num_train=1,
                                         num_validation=1, num_test=100)
        probs = judge.predict(data.test.all_images)
    assert np.mean(np.argmax(probs, axis=1) == data.test.all_labels) >= 0.7  # chance: 0.2
    broken = tmp_path / 'judge'
    shutil.copytree(voxel_judge.mnist_judge.resolve_judge_dir(voxel_judge.DEFAULT_DIR), broken)
    with open(os.path.join(broken, voxel_judge.WEIGHTS), 'ab') as f:
        f.write(b'\0')
    with pytest.raises(mnist_judge.JudgeError, match='corrupt'):
        voxel_judge.VoxelJudge(str(broken))
