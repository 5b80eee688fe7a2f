"""Figure helpers shared by every script: headless backend, atomic PNG writes, image grids."""
import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402  (backend first)
import numpy as np  # noqa: E402

from gan_graph import files  # noqa: E402


def save_figure(fig, path, dpi=100):
    """Write `fig` as PNG atomically and close it."""
    with files.atomic_path(path) as tmp_path:
        fig.savefig(tmp_path, format='png', dpi=dpi)
    plt.close(fig)
    return path


def image_grid(images, nrows, ncols, figsize, image_shape=(28, 28), cmap='Greys_r'):
    """The tutorials' `view_samples` grid: one image per axis, axes hidden, shared x and y."""
    fig, axes = plt.subplots(figsize=figsize, nrows=nrows, ncols=ncols, sharey=True, sharex=True,
                             squeeze=False)
    for ax, img in zip(axes.flatten(), images):
        ax.xaxis.set_visible(False)
        ax.yaxis.set_visible(False)
        ax.imshow(np.reshape(img, image_shape), cmap=cmap)
    for ax in axes.flatten()[len(images):]:
        ax.axis('off')
    return fig, axes
