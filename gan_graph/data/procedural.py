"""Procedural 3-D shapes for voxel GANs: filled solids of five classes in a cubic grid, 1 inside, 0 outside.

Classes: 0 box, 1 sphere, 2 cylinder, 3 cone, 4 torus, each with a random size, a uniformly random
orientation and a random position such that the whole solid lies inside the grid. Coordinates are in
voxels: voxel (i, j, k) is the unit cube whose centre is (i + 0.5, j + 0.5, k + 0.5), and it is filled
when its centre is inside the solid (so a solid of volume V fills about V voxels).
Everything is drawn from numpy RandomStates seeded from the reader's seed, so a seed gives the same shapes.
"""
import collections

import numpy as np

from gan_graph.data import mnist
from gan_graph.data.spec import DataSpec

CLASS_NAMES = ('box', 'sphere', 'cylinder', 'cone', 'torus')
BOX, SPHERE, CYLINDER, CONE, TORUS = range(len(CLASS_NAMES))

# What `sizes` (n, 3) holds per class, and each size's range as a fraction of the resolution. The ranges
# keep every solid's bounding radius (`bounding_radii`) under 0.47 of the grid, so it fits at any angle.
SIZE_MEANINGS = {BOX: ('side x', 'side y', 'side z'), SPHERE: ('radius',), CYLINDER: ('radius', 'height'),
                 CONE: ('base radius', 'height'), TORUS: ('major radius', 'minor radius')}
SIZE_RANGES = {BOX: ((0.2, 0.5),) * 3, SPHERE: ((0.15, 0.4),), CYLINDER: ((0.12, 0.3), (0.3, 0.7)),
               CONE: ((0.15, 0.3), (0.35, 0.65)), TORUS: ((0.18, 0.3), (0.08, 0.14))}
SHAPES_PER_CHUNK = 64  # solids rasterised at once: a few 32^3 float32 temporaries of 8 MB each

Shapes = collections.namedtuple('Shapes', ['kinds', 'sizes', 'centers', 'rotations'])
Shapes.__doc__ = """Solids' parameters: kinds (n,) class ids, sizes (n, 3) as SIZE_MEANINGS says (unused
entries 0), centers (n, 3) in voxels, rotations (n, 3, 3) from the solid's frame to the grid's."""


def voxel_spec(resolution=32):
    return DataSpec('voxel_shapes', (resolution,) * 3 + (1,), value_range=(0.0, 1.0), num_classes=len(CLASS_NAMES))


def random_rotations(rng, count):
    """Uniformly random rotations (n, 3, 3), from unit quaternions of normalised Gaussians."""
    quaternions = rng.standard_normal((4, count))
    w, x, y, z = quaternions / np.linalg.norm(quaternions, axis=0)
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], axis=-1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], axis=-1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=-1)], axis=1)


def bounding_radii(kinds, sizes):
    """The farthest any point of each solid lies from its center (the center of its bounding box in its frame)."""
    a, b, c = sizes.T
    return np.select(
        [kinds == BOX, kinds == SPHERE, (kinds == CYLINDER) | (kinds == CONE), kinds == TORUS],
        [0.5 * np.sqrt(a * a + b * b + c * c), a, np.hypot(a, 0.5 * b), a + b])


def random_shapes(rng, count, resolution):
    """`count` solids of balanced classes in random order, each fully inside a resolution^3 grid."""
    kinds = rng.permutation(np.arange(count) % len(CLASS_NAMES))
    fractions = rng.uniform(size=(count, 3))
    sizes = np.zeros((count, 3))
    for kind, ranges in SIZE_RANGES.items():
        rows = kinds == kind
        for axis, (low, high) in enumerate(ranges):
            sizes[rows, axis] = resolution * (low + (high - low) * fractions[rows, axis])
    margins = bounding_radii(kinds, sizes)[:, None]
    centers = margins + (resolution - 2 * margins) * rng.uniform(size=(count, 3))
    return Shapes(kinds, sizes, centers, random_rotations(rng, count))


def analytic_volumes(shapes):
    """Each solid's exact volume in voxels; a rasterised solid fills about this many."""
    a, b, c = shapes.sizes.T
    return np.select(
        [shapes.kinds == BOX, shapes.kinds == SPHERE, shapes.kinds == CYLINDER, shapes.kinds == CONE,
         shapes.kinds == TORUS],
        [a * b * c, 4 / 3 * np.pi * a ** 3, np.pi * a * a * b, np.pi * a * a * b / 3, 2 * np.pi ** 2 * a * b * b])


def local_coordinates(centers, rotations, resolution, margin=0):
    """Voxel centres in each solid's frame, R^T (p - c), as 3 arrays (n, m, m, m), m = resolution + 2 margin.

    The transform is affine, so each local coordinate is a sum of one term per grid axis: three (n, m)
    vectors broadcast together, instead of a 3x3 product at every voxel."""
    grid = np.arange(-margin, resolution + margin, dtype=np.float32) + 0.5
    offsets = grid[None, :, None] - centers[:, None, :].astype(np.float32)  # (n, m, grid axis)
    axis_shapes = [(-1, grid.size, 1, 1), (-1, 1, grid.size, 1), (-1, 1, 1, grid.size)]
    coordinates = []
    for local_axis in range(3):
        terms = offsets * rotations[:, None, :, local_axis].astype(np.float32)  # (n, m, grid axis)
        coordinates.append(sum(terms[:, :, axis].reshape(shape) for axis, shape in enumerate(axis_shapes)))
    return coordinates


def inside(kind, x, y, z, sizes):
    """Which voxel centres (local coordinates x, y, z: (n, m, m, m)) lie in solids of one kind."""
    a, b, c = (sizes[:, axis].astype(np.float32).reshape(-1, 1, 1, 1) for axis in range(3))
    if kind == BOX:
        return (np.abs(x) <= a / 2) & (np.abs(y) <= b / 2) & (np.abs(z) <= c / 2)
    if kind == SPHERE:
        return x * x + y * y + z * z <= a * a
    radial_squared = x * x + y * y
    if kind == CYLINDER:
        return (radial_squared <= a * a) & (np.abs(z) <= b / 2)
    if kind == CONE:  # base of radius a at z = -b/2, apex at z = +b/2
        radius = a * (0.5 - z / b)
        return (radial_squared <= radius * radius) & (np.abs(z) <= b / 2)
    if kind == TORUS:  # around the local z axis
        ring = np.sqrt(radial_squared) - a
        return ring * ring + z * z <= b * b
    raise ValueError(f'no solid of kind {kind}')


def rasterise(shapes, resolution, margin=0, dtype=np.float32):
    """The solids as voxels (n, m, m, m, 1) of 0 and 1, m = resolution + 2 margin (a margin beyond the grid
    shows whether anything sticks out of it)."""
    count, size = len(shapes.kinds), resolution + 2 * margin
    voxels = np.zeros((count, size, size, size, 1), dtype)
    for kind in range(len(CLASS_NAMES)):
        rows = np.flatnonzero(shapes.kinds == kind)
        for start in range(0, len(rows), SHAPES_PER_CHUNK):
            chunk = rows[start:start + SHAPES_PER_CHUNK]
            x, y, z = local_coordinates(shapes.centers[chunk], shapes.rotations[chunk], resolution, margin)
            voxels[chunk, ..., 0] = inside(kind, x, y, z, shapes.sizes[chunk])
    return voxels


def split_seeds(seed):
    """Independent seeds for the train, validation and test shapes and the batch order, so a split does
    not depend on how many examples another one has."""
    return np.random.SeedSequence(0 if seed is None else seed).generate_state(4)


def make_split(seed, count, spec, rng):
    resolution = spec.image_shape[0]
    shapes = random_shapes(np.random.RandomState(seed), count, resolution)
    # Kept as uint8 (10,000 shapes at 32^3: 0.3 GiB, not 1.2 GiB as float32); batches come out float32.
    voxels = rasterise(shapes, resolution, dtype=np.uint8)
    if tuple(spec.value_range) != (0.0, 1.0):
        voxels = spec.scale(voxels.astype(np.float32))
    return mnist.DataSet(voxels.reshape((count,) + spec.shape), shapes.kinds.astype(np.uint8), rng)


def read_data_sets(data_dir=None, seed=None, spec=None, num_train=10000, num_validation=500, num_test=1000):
    """Train, validation and test shapes (data_dir is unused: they are made, not read)."""
    spec = spec or voxel_spec()
    resolution = spec.image_shape[0]
    if tuple(spec.image_shape) != (resolution,) * 3 + (1,):
        raise ValueError(f'voxel shapes fill a cubic grid (r, r, r, 1), the data spec asks for {spec.image_shape}')
    train_seed, validation_seed, test_seed, order_seed = split_seeds(seed)
    rng = np.random.RandomState(order_seed)
    return mnist.Datasets(
        train=make_split(train_seed, num_train, spec, rng),
        validation=make_split(validation_seed, num_validation, spec, np.random.RandomState(rng.randint(2**31))),
        test=make_split(test_seed, num_test, spec, np.random.RandomState(rng.randint(2**31))))
