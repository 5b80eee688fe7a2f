"""The gallery of the pretrained generators: one 4x4 grid of fresh samples per model, side by side."""
import os

import numpy as np

from gan_graph.data import mnist
from gan_graph.figures import grid as plots
from gan_graph.figures.grid import plt
from gan_graph.train import manifest, pretrained, run_dir, sampling

GALLERY = 'gallery.png'


def mosaic(samples, data_spec, side=4):
    """side x side examples as one image in [0, 1], a 2-pixel gap between them."""
    height, width = plots.display_shape(data_spec)[:2]
    images = np.reshape(data_spec.to_unit(np.asarray(samples[:side * side])), (-1, height, width))
    canvas = np.ones((side * (height + 2) - 2, side * (width + 2) - 2), np.float32)
    for index, image in enumerate(images):
        row, col = divmod(index, side)
        canvas[row * (height + 2):row * (height + 2) + height, col * (width + 2):col * (width + 2) + width] = image
    return canvas


def gallery_figure(panels):
    """panels: (title, mosaic) pairs, drawn in one row."""
    fig, axes = plt.subplots(1, len(panels), figsize=(2.6 * len(panels), 3), squeeze=False)
    for ax, (title, image) in zip(axes[0], panels):
        ax.imshow(image, cmap='Greys_r', vmin=0, vmax=1)
        ax.set_title(title, fontsize=10)
        ax.axis('off')
    fig.tight_layout()
    return fig


def write_gallery(seed=0, pretrained_dir=pretrained.DEFAULT_DIR, runs_dir=pretrained.DEFAULT_RUNS_DIR):
    """data/pretrained/gallery.png from every pretrained generator; returns its path."""
    panels = []
    for name in pretrained.available(pretrained_dir):
        directory = pretrained.run_directory(name, runs_dir, pretrained_dir)
        samples = sampling.sample_generator(run_dir.checkpoint_dir(directory), 16, seed=seed)
        panels.append((name, mosaic(samples, manifest.data_spec(manifest.read(directory)))))
    path = os.path.join(mnist.resolve_data_dir(pretrained_dir), GALLERY)
    return plots.save_figure(gallery_figure(panels), path)
