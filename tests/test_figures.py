"""make_figures draws the tutorial's four figures, at the tutorial's sizes, from a run directory."""
import matplotlib.image
import numpy as np

from gan_graph import figures, files
from gan_graph.plots import plt
from test_train import train_small


def test_run_figures_have_the_tutorials_layout(mnist_data, tmp_path):
    train_small(mnist_data, tmp_path, epochs=3)
    messages = []
    written = figures.make_run_figures(str(tmp_path), seed=0, log=messages.append)
    assert messages == []
    sizes = {path.split('/')[-1]: matplotlib.image.imread(path).shape[:2] for path in written}
    assert sizes == {'losses.png': (480, 640), 'samples_last_epoch.png': (700, 700),
                     'progress.png': (1200, 700), 'samples_from_checkpoint.png': (700, 700)}


def test_losses_figure_title_and_legend():
    fig = figures.losses_figure([(1.0, 2.0), (0.5, 3.0)])
    ax = fig.axes[0]
    assert ax.get_title() == 'Training Losses'
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ['Discriminator', 'Generator']
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [2.0, 3.0])
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
    assert tuple(fig.get_size_inches()) == (7, 7)
    plt.close(fig)


def test_original_style_pickle_with_numpy_float_losses_draws(tmp_path):
    files.write_pickle(str(tmp_path / 'l.pkl'), [(np.float32(1.2), np.float32(0.7))] * 3)
    fig = figures.losses_figure(files.read_pickle(str(tmp_path / 'l.pkl')))
    assert len(fig.axes[0].lines) == 2
    plt.close(fig)
