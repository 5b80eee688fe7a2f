"""The Keras DCGAN's generate mode: one batch of samples as one grid image (`combine_images`), or with
`nice` 20 batches' worth ranked by the discriminator's output and the top batch kept (the reference's
"top 5% according to the discriminator")."""
import math
import os

import numpy as np
import tensorflow as tf

from gan_graph.figures.grid import plt
from gan_graph.models import description as d
from gan_graph.train import checkpoints, files, manifest, run_dir, sampling

v1 = tf.compat.v1
NICE_FACTOR = 20   # nice: generate 20 * batch_size, keep batch_size


def combine_images(images):
    """(N, H, W, 1) -> one (rows*H, cols*W) image, cols = floor(sqrt(N)), filled row by row."""
    num = images.shape[0]
    width = int(math.sqrt(num))
    height = int(math.ceil(float(num) / width))
    shape = images.shape[1:3]
    image = np.zeros((height * shape[0], width * shape[1]), dtype=images.dtype)
    for index, img in enumerate(images):
        i, j = index // width, index % width
        image[i * shape[0]:(i + 1) * shape[0], j * shape[1]:(j + 1) * shape[1]] = img[:, :, 0]
    return image


def top_scored(scores, keep):
    """Indices of the `keep` highest scores, highest first; ties in sample order (a stable sort)."""
    return np.argsort(-np.ravel(scores), kind='stable')[:keep]


def discriminator_scores(run_directory, images, batch_size=1000):
    """D's probability that each image is real, from the run's last full checkpoint."""
    checkpoint_dir = run_dir.checkpoint_dir(run_directory)
    prefix = checkpoints.latest_training_checkpoint(checkpoint_dir)
    if prefix is None:
        raise checkpoints.CheckpointError(f'--nice ranks samples by the discriminator, and {checkpoint_dir} holds '
                                          'no full training checkpoint with it.')
    description = manifest.describe(manifest.read(run_directory))
    with tf.Graph().as_default():
        images_in = v1.placeholder(tf.float32, (None,) + description.data.shape)
        probabilities, _ = d.Calls(description.networks, set()).discriminator(images_in)
        saver = v1.train.Saver(var_list=d.scope_state(description.networks['discriminator'].scope))
        with v1.Session() as sess:
            checkpoints.restore(sess, saver, prefix)
            return np.concatenate([sess.run(probabilities, {images_in: images[start:start + batch_size]})
                                   for start in range(0, len(images), batch_size)])[:, 0]


def generate(run_directory, batch_size, nice=False, seed=None):
    """The reference's `generate`: (the grid image as uint8, the samples shown, their D scores or None)."""
    num = batch_size * NICE_FACTOR if nice else batch_size
    checkpoint_dir = run_dir.checkpoint_dir(run_directory)
    samples = sampling.sample_generator(checkpoint_dir, num, seed=seed)
    scores = None
    if nice:
        scores = discriminator_scores(run_directory, samples)
        kept = top_scored(scores, batch_size)
        samples, scores = samples[kept], scores[kept]
    # Any run's samples drawn as (N, H, W, C) pictures, a flat MLP's too: the grid is the reference's, not the model's
    pictures = manifest.data_spec(sampling.run_manifest(checkpoint_dir)).as_images(samples)
    image = combine_images(pictures) * 127.5 + 127.5
    return image.astype(np.uint8), samples, scores


def save_image(image, path):
    """An 8-bit gray image as PNG, pixel for pixel."""
    with files.atomic_path(path) as tmp_path:
        plt.imsave(tmp_path, image, cmap='gray', vmin=0, vmax=255, format='png')
    return path


def keras_dcgan_figures(run_directory, record, figures_dir, seed, log, batch_size=128):
    """generated_image.png (one batch) and generated_image_nice.png (the top batch of 20 by D)."""
    return [save_image(generate(run_directory, batch_size, nice, seed)[0],
                       os.path.join(figures_dir, f'generated_image{"_nice" if nice else ""}.png'))
            for nice in (False, True)]
