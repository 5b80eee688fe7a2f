"""The 3D-GAN's figures: generated solids rendered in 3-D (the faces `ax.voxels` would draw, in one collection),
a row interpolating between two z, and D's accuracy per epoch against the 80% gate with the skipped D updates."""
import os

from mpl_toolkits.mplot3d import art3d
import numpy as np
import tensorflow as tf

from gan_graph.figures import grid as plots
from gan_graph.figures.grid import plt
from gan_graph.train import checkpoints, files, graph as graph_lib, manifest, run_dir, sampling

v1 = tf.compat.v1
THRESHOLD = 0.5   # a voxel is drawn where the generator's occupancy exceeds this
NUM_SAMPLES, NUM_STEPS = 8, 5   # solids in the samples figure and in the interpolation
# Faces one solid may draw; past it the solid is drawn max-pooled 2x2x2. A sphere of radius 12 has 2,700, a
# 35%-occupied untrained 32^3 sample 46,000 (0.5 s to draw on 2 cores), 64^3 noise 360,000 (3 s).
MAX_FACES = 20_000
NO_EDGES = (0, 0, 0, 0)   # `edgecolor='none'` as RGBA: a colour name cannot be shaded


def face_squares():
    """(axis, step, corners (4, 3) of that face of the voxel at the origin) for the six faces, wound as
    `ax.voxels` winds them, so that the shading sees the same outward normals."""
    square = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]])
    permute = np.eye(3, dtype=int)
    for _ in range(3):
        normal = permute.dot([0, 0, 1])
        rotated = square.dot(permute.T)
        yield normal.argmax(), -1, rotated[::-1]
        yield normal.argmax(), 1, rotated + normal
        permute = np.roll(permute, 1, axis=0)


FACE_SQUARES = list(face_squares())


def exposed_faces(solid):
    """The faces (F, 4, 3) between an occupied voxel and a free one or the grid's outside: the solid's visible
    surface. A voxel whose six neighbours are occupied has none, so the hidden interior costs nothing."""
    padded = np.pad(solid, 1)
    faces = []
    for axis, step, corners in FACE_SQUARES:
        neighbour = np.roll(padded, -step, axis)[1:-1, 1:-1, 1:-1]
        faces.append(np.argwhere(solid & ~neighbour)[:, None, :] + corners)
    return np.concatenate(faces).astype(np.float64)


def max_pool(solid):
    """2x2x2 max-pooling: a cell is occupied where any of its 8 voxels is (odd sides padded with free voxels)."""
    solid = np.pad(solid, [(0, side % 2) for side in solid.shape])
    x, y, z = (side // 2 for side in solid.shape)
    return solid.reshape(x, 2, y, 2, z, 2).any(axis=(1, 3, 5))


def drawn_faces(solid):
    """The faces to draw in the grid's coordinates, and the side of the grid they come from: the solid's own,
    or max-pooled until at most MAX_FACES remain (a noisy sample would otherwise take seconds a solid)."""
    scale = 1
    faces = exposed_faces(solid)
    while len(faces) > MAX_FACES:
        solid, scale = max_pool(solid), scale * 2
        faces = exposed_faces(solid)
    return faces * scale, solid.shape[0]


def draw_solid(ax, voxels, title=None):
    """One solid on a 3-D axis: its occupied voxels as shaded cubes, as `ax.voxels` draws them (the same faces,
    winding and shading) but in one collection: `ax.voxels` makes an artist per voxel, minutes for a
    figure of untrained samples. A solid drawn max-pooled says so under its title."""
    solid = np.asarray(voxels).reshape(np.asarray(voxels).shape[:3]) > THRESHOLD
    faces, drawn_side = drawn_faces(solid)
    if len(faces):   # an empty solid: shading has no normals to work on
        ax.add_collection3d(art3d.Poly3DCollection(faces, facecolors='tab:blue', edgecolors=NO_EDGES, shade=True))
    size = solid.shape[0]
    ax.set_xlim(0, size), ax.set_ylim(0, size), ax.set_zlim(0, size)
    ax.set_axis_off()
    pooled = f'drawn max-pooled to {drawn_side}^3' if drawn_side < size else None
    title = '\n'.join(line for line in (title, pooled) if line)
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
    """Yields each figure's path as it is written (the 3-D renders take a few seconds each)."""
    checkpoint_dir = run_dir.checkpoint_dir(run_directory)
    rng = np.random.RandomState(seed)
    yield plots.save_figure(solids_figure(sampling.sample_generator(checkpoint_dir, NUM_SAMPLES, seed=seed)),
                            os.path.join(figures_dir, 'voxel_samples.png'))
    noise = manifest.describe(record).inputs['z']
    row = generate(checkpoint_dir, interpolated_noise(noise, rng, NUM_STEPS))
    yield plots.save_figure(solids_figure(row, ncols=NUM_STEPS, suptitle='From one z to another'),
                            os.path.join(figures_dir, 'voxel_interpolation.png'))
    losses_path = run_dir.path(run_directory, run_dir.LOSSES)
    if os.path.exists(losses_path):
        yield plots.save_figure(accuracy_figure(files.read_pickle(losses_path), record['hparams']['d_threshold']),
                                os.path.join(figures_dir, 'd_accuracy.png'))
    else:
        log(f'No {run_dir.LOSSES} in {run_directory}: skipping d_accuracy.png.')
