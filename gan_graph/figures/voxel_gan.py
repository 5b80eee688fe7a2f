"""The 3D-GAN's figures: generated solids rendered in 3-D (matplotlib's `voxels`), a row interpolating
between two z, and D's accuracy per epoch against the 80% gate with the skipped D updates."""
import os

import numpy as np
import tensorflow as tf

from gan_graph.figures import grid as plots
from gan_graph.figures.grid import plt
from gan_graph.train import checkpoints, files, graph as graph_lib, manifest, run_dir, sampling

v1 = tf.compat.v1
THRESHOLD = 0.5   # a voxel is drawn where the generator's occupancy exceeds this
NUM_SAMPLES, NUM_STEPS = 8, 5   # solids in the samples figure and in the interpolation (3-D renders are slow)


def draw_solid(ax, voxels, title=None):
    """One solid on a 3-D axis: its occupied voxels as shaded cubes."""
    solid = np.asarray(voxels).reshape(np.asarray(voxels).shape[:3]) > THRESHOLD
    ax.voxels(solid, facecolors='tab:blue', edgecolor='none', shade=True)
    size = solid.shape[0]
    ax.set_xlim(0, size), ax.set_ylim(0, size), ax.set_zlim(0, size)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)


def solids_figure(samples, ncols=4, titles=None, suptitle='Generated solids'):
    rows = -(-len(samples) // ncols)
    fig = plt.figure(figsize=(2.6 * ncols, 2.6 * rows))
    for index, voxels in enumerate(samples):
        draw_solid(fig.add_subplot(rows, ncols, index + 1, projection='3d'), voxels,
                   titles[index] if titles else None)
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def interpolated_noise(noise, rng, steps):
    """`steps` z on the segment between two draws of the run's noise."""
    ends = noise.numpy(rng, 2)
    weights = np.linspace(0, 1, steps)[:, None]
    return (1 - weights) * ends[0] + weights * ends[1]


def generate(checkpoint_dir, z):
    """The run's generator on given noise z (N, z_size)."""
    description = manifest.describe(sampling.run_manifest(checkpoint_dir))
    with tf.Graph().as_default():
        placeholders, samples = graph_lib.build_sampler(description)
        with v1.Session() as sess:
            checkpoints.restore(sess, v1.train.Saver(var_list=v1.global_variables()),
                                checkpoints.find_generator_checkpoint(checkpoint_dir))
            return sess.run(samples, {placeholders['z']: z})


def accuracy_figure(losses, threshold):
    """D's accuracy on the last batch of each epoch, the gate's threshold, and how many D updates the gate
    skipped in each epoch (losses: the run's columns D, G, D accuracy, D updates skipped so far)."""
    losses = np.asarray(losses, np.float64)
    epochs = np.arange(1, len(losses) + 1)
    skipped = np.diff(np.concatenate([[0.0], losses[:, 3]]))
    fig, ax = plt.subplots(figsize=(7, 4))
    bars = ax.twinx()
    bars.bar(epochs, skipped, color='tab:orange', alpha=0.35, label='D updates skipped (per epoch)')
    bars.set_ylabel('D updates skipped')
    ax.plot(epochs, losses[:, 2], marker='o', color='tab:blue', label="D's accuracy (last batch)")
    ax.axhline(threshold, color='tab:red', linestyle='--', label=f'gate: D trains below {threshold:.0%}')
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel('Epoch')
    ax.set_ylabel('accuracy')
    handles = ax.get_legend_handles_labels()[0] + bars.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc='lower right', fontsize=8)
    ax.set_title("D's accuracy and the 80% rule")
    fig.tight_layout()
    return fig


def voxel_gan_figures(run_directory, record, figures_dir, seed, log):
    checkpoint_dir = run_dir.checkpoint_dir(run_directory)
    rng = np.random.RandomState(seed)
    written = [plots.save_figure(solids_figure(sampling.sample_generator(checkpoint_dir, NUM_SAMPLES, seed=seed)),
                                 os.path.join(figures_dir, 'voxel_samples.png'))]
    noise = manifest.describe(record).inputs['z']
    row = generate(checkpoint_dir, interpolated_noise(noise, rng, NUM_STEPS))
    written.append(plots.save_figure(solids_figure(row, ncols=NUM_STEPS, suptitle='From one z to another'),
                                     os.path.join(figures_dir, 'voxel_interpolation.png')))
    losses_path = run_dir.path(run_directory, run_dir.LOSSES)
    if os.path.exists(losses_path):
        written.append(plots.save_figure(accuracy_figure(files.read_pickle(losses_path),
                                                         record['hparams']['d_threshold']),
                                         os.path.join(figures_dir, 'd_accuracy.png')))
    else:
        log(f'No {run_dir.LOSSES} in {run_directory}: skipping d_accuracy.png.')
    return written
