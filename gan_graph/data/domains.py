"""Two unpaired domains made from MNIST for translation models (CycleGAN): A = the digits as they are
(strokes filled, padded 28 -> 32), B = outline sketches of OTHER digits.

Each split is cut in two halves: the first half gives the A digits, the second half the digits whose
outlines are B, so no digit is ever seen in both domains and no (digit, outline) pair exists to learn
from. Row i of a split holds A image i and B image i side by side: two unrelated images.

The outline (`outline`): binarise at half intensity, thicken by one pixel (3x3 square dilation) and keep
the inner boundary of that footprint (the footprint minus its erosion by a 3x3 cross). MNIST strokes are
only 2-3 px wide once binarised, so the boundary of the raw digit is nearly the whole digit; thickened
first, each stroke becomes a hollow tube drawn by an 8-connected 1-px line on either side (about 40% of
the footprint's pixels), which still reads as the digit.
"""
import numpy as np

from gan_graph.data import mnist
from gan_graph.data.spec import DataSpec

VALIDATION_SIZE = 5000  # the tutorial reader's split of the training file
BINARY_THRESHOLD = 0.5
SQUARE_3X3 = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
CROSS_3X3 = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))


def outlines_spec(value_range=(-1.0, 1.0)):
    """Both domains are 32x32x1 (MNIST padded by 2), with the digit labels of each."""
    return DataSpec('mnist_outlines', (32, 32, 1), value_range=tuple(value_range), num_classes=10,
                    domains=2, padding=2)


def _neighbours(masks, offsets):
    """The (N, H, W) boolean masks shifted by each (dy, dx); pixels beyond the border read as background."""
    height, width = masks.shape[1:]
    padded = np.pad(masks, ((0, 0), (1, 1), (1, 1)))
    return [padded[:, 1 + dy:1 + dy + height, 1 + dx:1 + dx + width] for dy, dx in offsets]


def dilate(masks, offsets=SQUARE_3X3):
    return np.logical_or.reduce(_neighbours(masks, offsets))


def erode(masks, offsets=CROSS_3X3):
    return np.logical_and.reduce(_neighbours(masks, offsets))


def footprint(images01):
    """The binarised digit thickened by one pixel: the region its outline is drawn in, (N, H, W) bool."""
    images = np.asarray(images01)
    images = images.reshape(images.shape[:3])  # drop a trailing channel axis
    return dilate(images > BINARY_THRESHOLD)


def outline(images01):
    """Outline sketches of digits: (N, H, W) or (N, H, W, 1) in [0, 1] -> the same shape, float32 in {0, 1}."""
    images = np.asarray(images01)
    region = footprint(images)
    edges = region & ~erode(region)
    return edges.astype(np.float32).reshape(images.shape)


class UnpairedDomains(mnist.DataSet):
    """A split of two domains: images (N, 2) + image shape, labels (N, 2), and `source_indices` (N, 2):
    which image of the MNIST file (train or t10k) each domain's example was made from."""

    def __init__(self, images, labels, source_indices, rng):
        super().__init__(images, labels, rng)
        self.source_indices = source_indices


def split_halves(images01, labels, first_index, spec, rng):
    """Digits (N, 784) in [0, 1] -> UnpairedDomains: the first N//2 as A, outlines of the next N//2 as B."""
    half = len(images01) // 2
    digits, sketched = images01[:half], images01[half:2 * half]
    sketches = outline(sketched.reshape(-1, 28, 28)).reshape(half, -1)
    images = np.stack([mnist.as_spec(digits, spec), mnist.as_spec(sketches, spec)], axis=1)
    pair_labels = np.stack([labels[:half], labels[half:2 * half]], axis=1)
    source_indices = first_index + np.stack([np.arange(half), half + np.arange(half)], axis=1)
    return UnpairedDomains(images, pair_labels, source_indices, rng)


def read_data_sets(data_dir=mnist.DEFAULT_DATA_DIR, seed=None, spec=None):
    """MNIST digits (A) and outlines of other digits (B): train from the tutorial reader's 55,000 train
    images, validation from its 5,000, test from the 10,000 test images, each halved between A and B.
    `seed` drives only the batch order, as for MNIST; which images go where is fixed."""
    spec = spec or outlines_spec()
    if spec.domains != 2:
        raise ValueError(f'mnist_outlines holds 2 domains, the data spec asks for {spec.domains}')
    train_images, train_labels = mnist.load_arrays(data_dir, 'train')
    test_images, test_labels = mnist.load_arrays(data_dir, 'test')
    rng = np.random.RandomState(seed)
    return mnist.Datasets(
        train=split_halves(train_images[VALIDATION_SIZE:], train_labels[VALIDATION_SIZE:], VALIDATION_SIZE,
                           spec, rng),
        validation=split_halves(train_images[:VALIDATION_SIZE], train_labels[:VALIDATION_SIZE], 0, spec,
                                np.random.RandomState(rng.randint(2**31))),
        test=split_halves(test_images, test_labels, 0, spec, np.random.RandomState(rng.randint(2**31))))
