"""Figure helpers shared by every script: headless backend, atomic PNG writes, image grids."""
import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402  (backend first)
import numpy as np  # noqa: E402

from gan_graph.data import spec as spec_lib  # noqa: E402
from gan_graph.train import files  # noqa: E402


def display_shape(data_spec):
    """The shape imshow takes for one example: (H, W) for gray images, (H, W, C) for colour; voxels are
    drawn as their projection (DataSpec.as_images)."""
    if len(data_spec.image_shape) not in (3, 4):
        raise ValueError(f'figures draw 2-D images (height, width, channels) or voxel projections; '
                         f'{data_spec.name} examples have shape {data_spec.image_shape}')
    height, width, channels = data_spec.drawn_shape
    return (height, width) if channels == 1 else (height, width, channels)


# The tutorials' digits: the default of the figure functions, which also draw arrays without a run.
MNIST_IMAGE_SHAPE = display_shape(spec_lib.mnist_spec())


# Up to this many epochs a per-epoch line marks each epoch: a line through one point draws nothing.
MARKED_EPOCHS = 20


def epoch_marker(num_epochs):
    return 'o' if num_epochs <= MARKED_EPOCHS else None


def save_figure(fig, path, dpi=100):
    """Write `fig` as PNG atomically and close it."""
    with files.atomic_path(path) as tmp_path:
        fig.savefig(tmp_path, format='png', dpi=dpi)
    plt.close(fig)
    return path


def image_grid(images, nrows, ncols, figsize, image_shape, cmap='Greys_r'):
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
