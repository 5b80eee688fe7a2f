"""Metrics of a 3D-GAN run: what its samples are and whether they are solids.

Samples are binarised at 0.5 (a shape is its occupied voxels). On them:
- the voxel judge's class histogram, the classes covered (>= 5% of the samples, as for MNIST) and the
  classifier score exp(E KL(p(y|x) || p(y))) (5 for evenly spread, confidently named classes);
- the fraction of samples that are one connected solid: non-empty, every occupied voxel reached from
  one of them through face neighbours (6-connectivity), by an iterative flood fill in numpy;
- the occupancy (mean fraction of the grid filled) against the procedural data's;
- memorisation: each sample's IoU with its nearest shape among the first 2,000 of the run's training
  shapes, beside the same for held-out shapes (what a model that does not copy its training set gets).
"""
import numpy as np

from gan_graph.data import procedural, readers
from gan_graph.evaluate import evaluation, metrics, voxel_judge
from gan_graph.train import manifest, run_dir, sampling

DEFAULT_NUM_SAMPLES = 1000
NUM_NEAREST_POOL = 2000   # training shapes the nearest-IoU search looks through
THRESHOLD = 0.5


def occupied(voxels):
    """(N, r, r, r) bool from voxels (N, r, r, r[, 1]) in [0, 1]."""
    voxels = np.asarray(voxels)
    return (voxels.reshape(voxels.shape[:4]) > THRESHOLD)


def grow(reached):
    """`reached` and its 6 face neighbours, for a batch (N, r, r, r) of bool grids."""
    grown = reached.copy()
    for axis in (1, 2, 3):
        ahead = [slice(None)] * 4
        behind = [slice(None)] * 4
        ahead[axis], behind[axis] = slice(1, None), slice(None, -1)
        grown[tuple(ahead)] |= reached[tuple(behind)]
        grown[tuple(behind)] |= reached[tuple(ahead)]
    return grown


def single_solid(solids):
    """(N,) bool: each grid (N, r, r, r) bool is non-empty and face-connected (a flood fill from its first
    occupied voxel reaches all of them)."""
    flat = solids.reshape(len(solids), -1)
    filled = flat.any(axis=1)
    reached = np.zeros_like(flat)
    reached[np.arange(len(flat)), flat.argmax(axis=1)] = filled
    reached = reached.reshape(solids.shape)
    active = np.flatnonzero(filled)   # samples whose fill still grows
    while active.size:
        grown = grow(reached[active]) & solids[active]
        changed = (grown != reached[active]).any(axis=(1, 2, 3))
        reached[active] = grown
        active = active[changed]
    return filled & (reached == solids).all(axis=(1, 2, 3))


def nearest_iou(solids, pool, chunk=250):
    """(N,) each grid's highest intersection over union with a grid of `pool`."""
    a = solids.reshape(len(solids), -1).astype(np.float32)
    b = pool.reshape(len(pool), -1).astype(np.float32)
    b_sizes = b.sum(axis=1)
    best = []
    for start in range(0, len(a), chunk):
        part = a[start:start + chunk]
        intersection = part @ b.T
        union = part.sum(axis=1, keepdims=True) + b_sizes[None, :] - intersection
        best.append(np.max(intersection / np.maximum(union, 1), axis=1))
    return np.concatenate(best)


def shape_metrics(voxels, judge, pool):
    """The numbers of one set of voxels (samples or real shapes)."""
    solids = occupied(voxels)
    probs = judge.predict(solids[..., None].astype(np.float32))
    coverage = metrics.mode_coverage(probs)
    ious = nearest_iou(solids, pool)
    return {'classifier_score': metrics.classifier_score(probs), 'modes_covered': coverage['modes_covered'],
            'class_histogram': dict(zip(procedural.CLASS_NAMES, coverage['class_histogram'])),
            'single_solid_fraction': float(single_solid(solids).mean()),
            'occupancy': float(solids.mean()), 'nearest_train_iou_mean': float(ious.mean()),
            'nearest_train_iou_max': float(ious.max())}


def run_seed(run_directory):
    """The --seed a run's flags.txt records: its training shapes were made from it."""
    with open(run_dir.path(run_directory, run_dir.FLAGS)) as f:
        seeds = [line.strip().split('=', 1)[1] for line in f if line.startswith('--seed=')]
    if not seeds:
        raise ValueError(f'{run_dir.path(run_directory, run_dir.FLAGS)} records no --seed')
    return int(seeds[0])


def evaluate_run(run_directory, num_samples=DEFAULT_NUM_SAMPLES, seed=0, judge_dir=voxel_judge.DEFAULT_DIR,
                 log=print):
    """Sample the run's generator and measure its samples and, as the reference, held-out real shapes."""
    info = evaluation.run_info(run_directory)
    checkpoint_dir = run_dir.checkpoint_dir(run_directory)
    spec = manifest.data_spec(sampling.run_manifest(checkpoint_dir))
    with voxel_judge.VoxelJudge(judge_dir) as judge:
        if spec.image_shape[0] != judge.resolution:
            raise ValueError(f'{run_directory} generates {spec.image_shape[0]}^3 voxels; the voxel judge in '
                             f'{judge.directory} classifies {judge.resolution}^3')
        log(f'Sampling {num_samples} shapes from {run_directory} (seed {seed}) and measuring them...')
        samples = sampling.sample_generator(checkpoint_dir, num_samples, seed=seed)
        data = readers.read(spec, seed=run_seed(run_directory))  # the run's own training shapes
        pool = occupied(data.train.all_images[:NUM_NEAREST_POOL])
        values = shape_metrics(samples, judge, pool)
        reference = shape_metrics(data.test.all_images[:num_samples], judge, pool)
        return {**info, 'num_samples': num_samples, 'seed': seed,
                'judge': evaluation.judge_record(judge), 'metrics': values, 'reference': reference}


ROWS = (('classifier score', 'classifier_score', '{:.3f}'), ('classes covered (>= 5%)', 'modes_covered', '{}'),
        ('single connected solids', 'single_solid_fraction', '{:.1%}'), ('occupancy', 'occupancy', '{:.4f}'),
        ('nearest training IoU, mean', 'nearest_train_iou_mean', '{:.3f}'),
        ('nearest training IoU, max', 'nearest_train_iou_max', '{:.3f}'))


def format_table(record):
    lines = [f'{"":28s}{"samples":>12s}{"real (test)":>14s}']
    for label, key, fmt in ROWS:
        lines.append(f'{label:28s}{fmt.format(record["metrics"][key]):>12s}{fmt.format(record["reference"][key]):>14s}')
    histogram = ', '.join(f'{name} {fraction:.1%}' for name, fraction in record['metrics']['class_histogram'].items())
    lines.append(f'class histogram of the samples: {histogram}')
    return '\n'.join(lines)
