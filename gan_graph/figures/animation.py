"""The training as an animation, as the TensorFlow DCGAN tutorial ends (`dcgan.gif`): one frame per
epoch, the epoch's 4x4 grid of kept samples titled with the epoch number, written with matplotlib's
Pillow writer (Pillow comes with matplotlib)."""
import logging

import numpy as np
from matplotlib import animation

from gan_graph.figures import grid as plots
from gan_graph.figures.grid import plt
from gan_graph.train import files

# matplotlib logs "Animation.save using ..." at INFO, which absl's handler prints in a script's output.
logging.getLogger('matplotlib.animation').setLevel(logging.WARNING)


def progress_animation(samples, path, image_shape=plots.MNIST_IMAGE_SHAPE, seconds_per_frame=0.5):
    """Write the GIF of `samples` (one array of kept samples per epoch) to `path`; returns `path`."""
    first = samples[0][:16]
    fig, axes = plots.image_grid(first, nrows=4, ncols=4, figsize=(4, 4.3), image_shape=image_shape)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.91, wspace=0.05, hspace=0.05)
    images = [ax.images[0] for ax in axes.flatten()[:len(first)]]
    title = fig.suptitle('')

    def draw(epoch_index):
        for image, sample in zip(images, samples[epoch_index][:16]):
            image.set_data(np.reshape(sample, image_shape))
            image.autoscale()   # as imshow scales each new image: the static grids look the same
        title.set_text(f'Epoch {epoch_index + 1}')
        return images + [title]

    frames = animation.FuncAnimation(fig, draw, frames=len(samples), blit=False)
    with files.atomic_path(path) as tmp_path:
        frames.save(tmp_path, writer=animation.PillowWriter(fps=1 / seconds_per_frame))
    plt.close(fig)
    return path
