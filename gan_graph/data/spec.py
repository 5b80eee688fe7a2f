"""What a data set holds, declared once: every reader, the in-graph input, figures, sampling and metrics
read shapes and ranges from here instead of assuming flat 28x28 images."""
import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class DataSpec:
    """One example as the model sees it.

    name: which reader makes it ('mnist', or a derived or procedural set);
    image_shape: (height, width, channels), or (depth, height, width, channels) for voxels;
    flat: examples are fed flattened to one vector (the MLP tutorials) rather than as images;
    value_range: (low, high) the values are scaled to (stored data are in [0, 1]);
    num_classes: labels 0..num_classes-1 come with each example (0: no labels);
    domains: how many unpaired domains (2 for translation models), each with examples of this shape;
    padding: zero pixels added on each side of a stored image (MNIST's 28x28 padded to 32x32 takes 2);
    validation_size: training examples the reader holds out as its validation split (None: the reader's
    default, MNIST's first 5,000; 0: the train split holds all 60,000, as Keras' `mnist.load_data()`).
    """
    name: str
    image_shape: tuple
    flat: bool = False
    value_range: tuple = (-1.0, 1.0)
    num_classes: int = 0
    domains: int = 1
    padding: int = 0
    validation_size: int = None

    @property
    def shape(self):
        """One example's shape as fed to the model."""
        return (self.size,) if self.flat else tuple(self.image_shape)

    @property
    def domain_axes(self):
        """The leading axis of stored examples and labels of several domains: (domains,), or ()."""
        return (self.domains,) if self.domains > 1 else ()

    @property
    def stored_shape(self):
        """One stored example: the domains side by side, each of `shape`."""
        return self.domain_axes + self.shape

    @property
    def size(self):
        return math.prod(self.image_shape)

    def scale(self, unit_values):
        """Values in [0, 1] to `value_range`; numpy arrays or tensors (x * (high - low) + low)."""
        low, high = self.value_range
        if (low, high) == (0.0, 1.0):
            return unit_values
        return unit_values * (high - low) + low

    def to_unit(self, values):
        """The inverse of `scale`, as numpy: values in `value_range` back to [0, 1]."""
        low, high = self.value_range
        return (np.asarray(values, np.float32) - low) / (high - low)

    @property
    def drawn_shape(self):
        """One example as a 2-D picture shows it (H, W, C): voxels (D, H, W, C) project along their depth."""
        return tuple(self.image_shape[-3:])

    def as_images(self, values):
        """Examples (N, ...) as pictures (N, H, W, C): images as they are, voxels as their maximum along
        the depth axis (the silhouette seen from the front), so every figure and summary can draw them."""
        values = np.reshape(np.asarray(values), (-1,) + tuple(self.image_shape))
        return values.max(axis=1) if len(self.image_shape) == 4 else values

    def as_json(self):
        return {field.name: (list(value) if isinstance(value, tuple) else value)
                for field in dataclasses.fields(self) for value in [getattr(self, field.name)]}

    @classmethod
    def from_json(cls, record):
        return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in record.items()})


def mnist_spec(flat=True, padded=False, value_range=(-1.0, 1.0), labels=True, validation_size=None):
    """MNIST digits: flat 784 vectors (the MLP tutorials), 28x28x1 images, or 32x32x1 with 2 pixels of
    zero padding (the size StyleGAN-like generators double up to)."""
    if padded:
        return DataSpec('mnist', (32, 32, 1), flat=flat, value_range=tuple(value_range),
                        num_classes=10 if labels else 0, padding=2, validation_size=validation_size)
    return DataSpec('mnist', (28, 28, 1), flat=flat, value_range=tuple(value_range), num_classes=10 if labels else 0,
                    validation_size=validation_size)
