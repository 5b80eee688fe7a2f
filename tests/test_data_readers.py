"""The readers made from MNIST (digits vs outline sketches) and procedurally (voxel solids)."""
import numpy as np
import pytest

from gan_graph.data import domains, mnist, procedural, readers
from conftest import DATA_DIR

RESOLUTION = 16


@pytest.fixture(scope='module')
def test_digits():
    images, labels = mnist.load_arrays(DATA_DIR, 'test')
    return images.reshape(-1, 28, 28)[:1000], labels[:1000]


@pytest.fixture(scope='module')
def outline_data():
    return readers.read(domains.outlines_spec(), DATA_DIR, seed=0)


def dilated_by_square(masks):
    """A 3x3 max filter written out here, independently of the module's shifts."""
    padded = np.pad(masks, ((0, 0), (1, 1), (1, 1)))
    height, width = masks.shape[1:]
    return np.max([padded[:, dy:dy + height, dx:dx + width] for dy in range(3) for dx in range(3)], axis=0)


def test_outline_of_a_square_is_the_ring_around_its_one_pixel_thickening():
    image = np.zeros((1, 9, 9), np.float32)
    image[0, 2:7, 2:7] = 1.0  # 5x5, thickened to 7x7 at 1:8
    expected = np.zeros((9, 9), np.float32)
    expected[1:8, 1:8] = 1.0
    expected[2:7, 2:7] = 0.0
    np.testing.assert_array_equal(domains.outline(image)[0], expected)
    assert domains.outline(image).sum() == 24
    assert domains.outline(image[..., None]).shape == (1, 9, 9, 1)


def test_outlines_are_thin_deterministic_and_inside_the_digit_footprint(test_digits):
    digits, _ = test_digits
    sketches = domains.outline(digits)
    np.testing.assert_array_equal(sketches, domains.outline(digits.copy()))
    assert sketches.dtype == np.float32 and set(np.unique(sketches)) == {0.0, 1.0}
    edges = sketches > 0
    footprint = dilated_by_square(digits > 0.5)
    assert not (edges & ~footprint).any()
    edge_fraction = edges.sum((1, 2)) / footprint.sum((1, 2))
    assert edge_fraction.mean() < 0.45 and np.percentile(edge_fraction, 99) < 0.6
    assert ((footprint & ~edges).sum((1, 2)) > 0).all()  # every stroke is hollow, not a filled blob
    # One pixel thick: no outline pixel is surrounded by outline, and no 2x2 block is all outline.
    assert not domains.erode(edges).any()
    assert not (edges[:, :-1, :-1] & edges[:, 1:, :-1] & edges[:, :-1, 1:] & edges[:, 1:, 1:]).any()


def test_domains_come_from_disjoint_halves_of_each_split(outline_data):
    train, validation, test = outline_data
    assert (train.num_examples, validation.num_examples, test.num_examples) == (27500, 2500, 5000)
    for split in outline_data:
        sources_a, sources_b = split.source_indices.T
        assert len(np.unique(sources_a)) == len(np.unique(sources_b)) == split.num_examples
        assert not np.intersect1d(sources_a, sources_b).size
    # train and validation share the training file, so their sources must not overlap either
    assert train.source_indices.min() == 5000 and validation.source_indices.max() == 4999


def test_each_domain_holds_its_source_digit_or_its_outline_with_its_label(outline_data):
    spec = domains.outlines_spec()
    train_images, train_labels = mnist.load_arrays(DATA_DIR, 'train')
    test_images, test_labels = mnist.load_arrays(DATA_DIR, 'test')
    rows = np.random.RandomState(0).choice(2500, 50, replace=False)
    for split, images, labels in ((outline_data.train, train_images, train_labels),
                                  (outline_data.validation, train_images, train_labels),
                                  (outline_data.test, test_images, test_labels)):
        sources = split.source_indices[rows]
        np.testing.assert_array_equal(split.all_labels[rows], labels[sources])
        digits = images[sources[:, 0]].reshape(-1, 28, 28)
        sketches = domains.outline(images[sources[:, 1]].reshape(-1, 28, 28))
        for domain, unit_images in ((0, digits), (1, sketches)):
            expected = spec.scale(np.pad(unit_images, ((0, 0), (2, 2), (2, 2))))[..., None]
            np.testing.assert_allclose(split.all_images[rows, domain], expected, atol=1e-6)


@pytest.mark.parametrize('kind, sizes, volume', [
    (procedural.SPHERE, (5, 0, 0), 4 / 3 * np.pi * 5 ** 3),
    (procedural.SPHERE, (9, 0, 0), 4 / 3 * np.pi * 9 ** 3),
    (procedural.BOX, (6, 8, 10), 480),
    (procedural.CYLINDER, (5, 12, 0), np.pi * 25 * 12),
    (procedural.CONE, (7, 14, 0), np.pi * 49 * 14 / 3),
    (procedural.TORUS, (9, 3, 0), 2 * np.pi ** 2 * 9 * 9),
])
def test_solids_fill_their_analytic_volume(kind, sizes, volume):
    """Upright, off the lattice across the axis (flat faces between voxel layers): within 3%. Turned and
    moved at random: within 5% each (a face or edge cutting voxel layers at a slant) and 2% on average.
    (A flat face parallel to the voxel layers at a fractional height can be off by half a layer: +10% for
    this cone with its base at z = 9.4; a sphere of radius 5 centred on a lattice point fills 552, +5%.)"""
    upright = procedural.Shapes(kinds=np.array([kind]), sizes=np.array([sizes], float),
                                centers=np.array([[16.2, 15.9, 16.0]]), rotations=np.eye(3)[None])
    np.testing.assert_allclose(procedural.analytic_volumes(upright), volume)
    np.testing.assert_allclose(procedural.rasterise(upright, 32).sum(), volume, rtol=0.03)
    rng, count = np.random.RandomState(kind), 20
    turned = procedural.Shapes(kinds=np.full(count, kind), sizes=np.tile(np.array(sizes, float), (count, 1)),
                               centers=16 + rng.uniform(-1, 1, (count, 3)),
                               rotations=procedural.random_rotations(rng, count))
    filled = procedural.rasterise(turned, 32).sum(axis=(1, 2, 3, 4))
    np.testing.assert_allclose(filled, volume, rtol=0.05)
    assert abs(filled.mean() / volume - 1) < 0.02


def test_an_upright_box_around_a_lattice_point_fills_exactly_its_volume():
    shapes = procedural.Shapes(kinds=np.array([procedural.BOX]), sizes=np.array([[6.0, 8.0, 10.0]]),
                               centers=np.array([[8.0, 7.0, 9.0]]), rotations=np.eye(3)[None])
    voxels = procedural.rasterise(shapes, RESOLUTION)[0, ..., 0]
    assert voxels.sum() == 480
    filled = np.argwhere(voxels)
    assert filled.min(axis=0).tolist() == [5, 3, 4] and filled.max(axis=0).tolist() == [10, 10, 13]


def test_random_rotations_are_rotations():
    rotations = procedural.random_rotations(np.random.RandomState(0), 100)
    np.testing.assert_allclose(rotations @ rotations.transpose(0, 2, 1), np.broadcast_to(np.eye(3), (100, 3, 3)),
                               atol=1e-9)
    np.testing.assert_allclose(np.linalg.det(rotations), 1.0)
    assert abs(rotations[:, :, 2].mean(axis=0)).max() < 0.15  # axes point every way, not one


def test_random_shapes_are_balanced_whole_and_inside_the_grid():
    shapes = procedural.random_shapes(np.random.RandomState(3), 250, RESOLUTION)
    assert np.bincount(shapes.kinds).tolist() == [50] * 5
    margin = 4
    beyond = procedural.rasterise(shapes, RESOLUTION, margin=margin)
    inner = beyond[:, margin:-margin, margin:-margin, margin:-margin]
    np.testing.assert_array_equal(inner, procedural.rasterise(shapes, RESOLUTION))
    np.testing.assert_array_equal(beyond.sum(axis=(1, 2, 3, 4)), inner.sum(axis=(1, 2, 3, 4)))
    ratio = inner.sum(axis=(1, 2, 3, 4)) / procedural.analytic_volumes(shapes)
    assert ratio.min() > 0.75 and ratio.max() < 1.25 and abs(ratio.mean() - 1) < 0.02
    # the classes differ in the space they fill, as their size ranges say (cones least, spheres most)
    fill = [inner[shapes.kinds == kind].mean() for kind in range(5)]
    assert np.argmin(fill) == procedural.CONE and np.argmax(fill) == procedural.SPHERE


def small_voxel_sets(seed, num_train=40):
    return procedural.read_data_sets(seed=seed, spec=procedural.voxel_spec(RESOLUTION), num_train=num_train,
                                     num_validation=10, num_test=20)


def test_voxel_sets_are_deterministic_per_seed_and_splits_independent():
    first, again, other = small_voxel_sets(1), small_voxel_sets(1), small_voxel_sets(2)
    for split, same, different in zip(first, again, other):
        np.testing.assert_array_equal(split.all_images, same.all_images)
        np.testing.assert_array_equal(split.all_labels, same.all_labels)
        assert not np.array_equal(split.all_images, different.all_images)
    np.testing.assert_array_equal(first.train.next_batch(8)[0], again.train.next_batch(8)[0])
    assert not np.array_equal(first.train.all_images[:10], first.validation.all_images)
    more_train = small_voxel_sets(1, num_train=80)
    np.testing.assert_array_equal(more_train.test.all_images, first.test.all_images)
    np.testing.assert_array_equal(procedural.read_data_sets(spec=procedural.voxel_spec(RESOLUTION), num_train=5,
                                                            num_validation=5, num_test=5).test.all_images,
                                  procedural.read_data_sets(seed=0, spec=procedural.voxel_spec(RESOLUTION),
                                                            num_train=5, num_validation=5, num_test=5).test.all_images)


@pytest.mark.parametrize('spec', [domains.outlines_spec(), procedural.voxel_spec(RESOLUTION)],
                         ids=lambda spec: spec.name)
def test_read_serves_batches_in_the_spec_shape_and_range(spec, request):
    # the outline sets are the module's fixture, read the same way (reading them takes seconds)
    data = request.getfixturevalue('outline_data') if spec.domains == 2 else readers.read(spec, DATA_DIR, seed=0)
    assert spec.name in readers.READERS
    for split in data:
        images, labels = split.next_batch(8)
        assert images.shape == (8,) + spec.stored_shape and images.dtype == np.float32
        assert labels.shape == (8,) + spec.domain_axes
        assert labels.min() >= 0 and labels.max() < spec.num_classes
    low, high = spec.value_range
    assert data.test.all_images.min() == low and data.test.all_images.max() == high
    assert set(np.unique(data.test.all_labels)) == set(range(spec.num_classes))
