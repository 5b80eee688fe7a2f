"""make_figures draws the tutorial's four figures, at the tutorial's sizes, from a run directory; legends,
image shapes and the model's own figures come from the run's manifest (run.json)."""
import json
import os

import matplotlib.image
import numpy as np
import PIL.Image
import pytest

from gan_graph.data import spec as spec_lib
from gan_graph.evaluate import comparison
from gan_graph.figures import animation
from gan_graph.figures import family
from gan_graph.figures import grid
from gan_graph.figures import tutorial as figures
from gan_graph.figures.grid import plt
from gan_graph.models import mlp_gan, wgan
from gan_graph.train import files, manifest, pretrained, run_dir
from test_train import train_small


def test_run_figures_have_the_tutorials_layout(mnist_data, tmp_path):
    train_small(mnist_data, tmp_path, epochs=3)
    messages = []
    written = list(figures.run_figures(str(tmp_path), seed=0, log=messages.append))
    assert messages == []
    sizes = {path.split('/')[-1]: matplotlib.image.imread(path).shape[:2] for path in written
             if path.endswith('.png')}
    assert sizes == {'losses.png': (480, 640), 'samples_last_epoch.png': (700, 700),
                     'progress.png': (1200, 700), 'samples_from_checkpoint.png': (700, 700)}
    assert [path.split('/')[-1] for path in written if path.endswith('.gif')] == ['progress.gif']


def test_run_figures_yield_each_path_as_soon_as_it_is_written(mnist_data, tmp_path):
    """make_figures.py prints each `Wrote PATH` line as the figure is written, not after the slowest."""
    train_small(mnist_data, tmp_path, epochs=1)
    figures_dir = run_dir.path(str(tmp_path), run_dir.FIGURES)
    yielded = []
    for path in figures.run_figures(str(tmp_path), seed=0, log=lambda _: None):
        yielded.append(path)
        # the figure just written is there, the next ones are not drawn yet
        assert sorted(os.listdir(figures_dir)) == sorted(os.path.basename(done) for done in yielded)
    assert [os.path.basename(path) for path in yielded] == ['losses.png', 'samples_last_epoch.png', 'progress.png',
                                                           'progress.gif', 'samples_from_checkpoint.png']
    assert list(figures.run_figures(str(tmp_path), seed=0, log=lambda _: None)) == yielded


def test_progress_gif_has_a_frame_per_epoch_showing_that_epochs_samples(tmp_path):
    """The frames differ as the epochs' samples do, and each shows its epoch's 4x4 grid."""
    rng = np.random.RandomState(0)
    samples = [rng.uniform(-1, 1, (16, 784)).astype(np.float32) for _ in range(3)]
    samples[1][:] = -1    # an all-black epoch
    samples[1][:, :392] = 1   # ... whose digits' top halves are white
    path = animation.progress_animation(samples, str(tmp_path / 'progress.gif'))
    with PIL.Image.open(path) as gif:
        assert gif.format == 'GIF' and gif.n_frames == 3 and gif.size == (400, 430)
        frames = []
        for index in range(3):
            gif.seek(index)
            frames.append(np.asarray(gif.convert('L'), dtype=np.float32))
    assert not np.array_equal(frames[0], frames[2])
    # Epoch 2: in the grid's first cell, the top half is light and the bottom half dark.
    cell = frames[1][42:128, 12:96]
    assert cell[:38].mean() > 200 and cell[-36:].mean() < 60


def test_run_figures_name_the_losses_and_shape_the_images_as_the_manifest_says(mnist_data, tmp_path, monkeypatch):
    train_small(mnist_data, tmp_path, epochs=1)
    record = manifest.read(str(tmp_path))
    manifest.write(str(tmp_path), {**record, 'losses': ['D of run.json', 'G of run.json']})
    drawn = {'names': [], 'shapes': []}

    def losses_figure(losses, names, metrics):
        drawn['names'].append(tuple(names))
        return plt.figure()

    def view_samples(samples, image_shape):
        drawn['shapes'].append(tuple(image_shape))
        return plt.figure()

    monkeypatch.setattr(figures, 'losses_figure', losses_figure)
    monkeypatch.setattr(figures, 'view_samples', view_samples)
    list(figures.run_figures(str(tmp_path), seed=0, log=lambda _: None))
    assert drawn == {'names': [('D of run.json', 'G of run.json')], 'shapes': [(28, 28), (28, 28)]}


def test_losses_figure_title_and_legend():
    fig = figures.losses_figure([(1.0, 2.0), (0.5, 3.0)])
    ax = fig.axes[0]
    assert ax.get_title() == 'Training Losses'
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ['Discriminator', 'Generator']
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [2.0, 3.0])
    plt.close(fig)


def test_a_one_epoch_losses_figure_marks_its_point_on_every_line_at_epoch_1():
    """A line through one point draws nothing without a marker: the figure of a one-epoch run was empty."""
    fig = figures.losses_figure([(1.0, 2.0)])
    ax = fig.axes[0]
    assert [line.get_marker() not in ('None', '', None) for line in ax.lines] == [True, True]
    assert [line.get_xdata().tolist() for line in ax.lines] == [[1], [1]]
    assert [tick for tick in ax.get_xticks() if ax.get_xlim()[0] <= tick <= ax.get_xlim()[1]] == [1]
    plt.close(fig)


def test_a_long_run_losses_figure_is_plain_lines_over_epochs_from_1():
    fig = figures.losses_figure(np.ones((grid.MARKED_EPOCHS + 1, 2)))
    assert [line.get_marker() for line in fig.axes[0].lines] == ['None', 'None']
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_xdata(), np.arange(1, grid.MARKED_EPOCHS + 2))
    plt.close(fig)


def test_losses_figure_draws_one_line_per_named_loss():
    fig = figures.losses_figure([(1.0, 2.0, 0.1), (0.5, 3.0, 0.2)], ['Critic', 'Generator', 'Penalty'])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ['Critic', 'Generator', 'Penalty']
    np.testing.assert_array_equal(ax.lines[2].get_ydata(), [0.1, 0.2])
    plt.close(fig)


def test_progress_figure_takes_every_tenth_epoch_and_every_other_sample():
    samples = [np.full((16, 784), epoch, np.float32) + np.arange(16)[:, None] / 100 for epoch in range(100)]
    fig = figures.progress_figure(samples)
    axes = np.array(fig.axes).reshape(10, 6)
    shown = np.array([[ax.images[0].get_array()[0, 0] for ax in row] for row in axes])
    expected = np.array([[epoch + sample / 100 for sample in range(0, 12, 2)] for epoch in range(0, 100, 10)])
    np.testing.assert_allclose(shown, expected, atol=1e-5)
    assert all(not ax.xaxis.get_visible() for ax in fig.axes)
    plt.close(fig)


def test_samples_grid_is_4x4_greys_r():
    fig = figures.view_samples(np.zeros((16, 784), np.float32))
    assert len(fig.axes) == 16 and fig.axes[0].images[0].get_cmap().name == 'Greys_r'
    assert fig.axes[0].images[0].get_array().shape == (28, 28)
    assert tuple(fig.get_size_inches()) == (7, 7)
    plt.close(fig)


def test_figures_draw_the_image_shape_they_are_given():
    images = np.arange(16 * 12, dtype=np.float32).reshape(16, 12)
    fig = figures.view_samples(images, image_shape=(3, 4))
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), images[1].reshape(3, 4))
    plt.close(fig)
    fig = figures.progress_figure([images], image_shape=(4, 3))
    assert fig.axes[0].images[0].get_array().shape == (4, 3)
    plt.close(fig)
    fig = family.digit_rows_figure(np.zeros((20, 12)), per_digit=2, image_shape=(2, 6))
    assert fig.axes[0].images[0].get_array().shape == (2, 6)
    plt.close(fig)


def test_display_shape_of_data_specs():
    assert grid.display_shape(spec_lib.mnist_spec(flat=True)) == (28, 28) == grid.MNIST_IMAGE_SHAPE
    assert grid.display_shape(spec_lib.mnist_spec(flat=False, padded=True)) == (32, 32)
    assert grid.display_shape(spec_lib.DataSpec('colour', (8, 6, 3))) == (8, 6, 3)
    assert grid.display_shape(spec_lib.DataSpec('voxels', (4, 8, 6, 1))) == (8, 6)  # drawn as projections
    with pytest.raises(ValueError, match=r'2-D images.*\(2, 4, 8, 8, 1\)'):
        grid.display_shape(spec_lib.DataSpec('volumes', (2, 4, 8, 8, 1)))


def test_original_style_pickle_with_numpy_float_losses_draws(tmp_path):
    files.write_pickle(str(tmp_path / 'l.pkl'), [(np.float32(1.2), np.float32(0.7))] * 3)
    fig = figures.losses_figure(files.read_pickle(str(tmp_path / 'l.pkl')))
    assert len(fig.axes[0].lines) == 2
    plt.close(fig)


# ------------------------------------------------------------------------------ the model's own figures

def wgan_run(tmp_path, mode, losses=((-0.5, 1.0), (-0.25, 2.0))):
    """A run directory as a wgan run leaves it, minus the checkpoint: run.json and (optionally) losses."""
    manifest.write(str(tmp_path), manifest.of(wgan.describe(mode=mode)))
    if losses is not None:
        files.write_pickle(run_dir.path(str(tmp_path), run_dir.LOSSES), list(losses))
    return str(tmp_path)


@pytest.mark.parametrize('mode, penalty', [('wgan', False), ('wgan-gp', True)])
def test_wgan_runs_get_the_wasserstein_figure_penalty_noted_for_wgan_gp(tmp_path, monkeypatch, mode, penalty):
    seen = []
    real_figure = family.wasserstein_figure

    def wasserstein_figure(losses, penalty=False):
        seen.append((np.asarray(losses).tolist(), penalty))
        return real_figure(losses, penalty)

    monkeypatch.setattr(family, 'wasserstein_figure', wasserstein_figure)
    written = list(family.family_figures(wgan_run(tmp_path, mode), log=lambda _: None))
    assert [path.rsplit('/', 1)[1] for path in written] == ['wasserstein.png']
    assert matplotlib.image.imread(written[0]).shape[:2] == (480, 640)
    assert seen == [([[-0.5, 1.0], [-0.25, 2.0]], penalty)]


def test_wgan_run_without_losses_skips_the_wasserstein_figure(tmp_path):
    messages = []
    assert list(family.family_figures(wgan_run(tmp_path, 'wgan', losses=None), log=messages.append)) == []
    assert messages == [f'No train_losses.pkl in {tmp_path}: skipping wasserstein.png.']


def test_an_mlp_run_has_no_family_figures(tmp_path):
    manifest.write(str(tmp_path), manifest.of(mlp_gan.describe(arch='blog')))
    assert list(family.family_figures(str(tmp_path))) == []


def test_loss_names_come_from_the_manifest(tmp_path):
    record = manifest.of(mlp_gan.describe(arch='udacity'))
    manifest.write(str(tmp_path), {**record, 'losses': ['A', 'B', 'C']})
    assert family.loss_names(str(tmp_path)) == ('A', 'B', 'C')
    assert family.loss_names(str(tmp_path / 'a notebook run')) == ('Discriminator', 'Generator')


def test_the_comparisons_loss_lines_mark_their_epochs_when_there_are_few():
    fig = comparison.losses_figure(['short run'], [np.array([[0.5, 2.0]])])
    assert all(line.get_marker() == 'o' for ax in fig.axes for line in ax.get_lines())
    plt.close(fig)


def test_a_pretrained_directory_is_not_called_the_original_notebooks(tmp_path):
    assert figures.why_no_losses(str(tmp_path)) == 'the original notebook does not save losses'
    (tmp_path / pretrained.ORIGIN).write_text(json.dumps({'name': 'dcgan'}))
    assert figures.why_no_losses(str(tmp_path)) == 'the pretrained dcgan generator keeps only its generator and records'


def test_losses_figure_leaves_out_the_logged_metrics():
    names = ['Discriminator', 'Generator', 'D accuracy', 'D updates skipped']
    fig = figures.losses_figure([(0.7, 1.2, 0.8, 3.0)], names, ['D accuracy', 'D updates skipped'])
    assert [text.get_text() for text in fig.axes[0].get_legend().get_texts()] == ['Discriminator', 'Generator']
    plt.close(fig)
