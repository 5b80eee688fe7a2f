"""TensorBoard event files: losses per epoch and a grid of the epoch's samples."""
import io

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1


def tile(images, image_shape, cols=None):
    """Gray images (N, H*W) or (N, H, W[, 1]) in [-1, 1] as one (rows*H, cols*W) uint8 grid, cols
    default ~ sqrt(N)."""
    images = np.reshape(np.asarray(images, np.float32), (-1,) + tuple(image_shape))
    cols = cols or int(np.ceil(np.sqrt(len(images))))
    rows = int(np.ceil(len(images) / cols))
    grid = np.full((rows * image_shape[0], cols * image_shape[1]), -1.0, np.float32)
    for index, img in enumerate(images):
        r, c = divmod(index, cols)
        grid[r * image_shape[0]:(r + 1) * image_shape[0], c * image_shape[1]:(c + 1) * image_shape[1]] = img
    return np.round((np.clip(grid, -1, 1) + 1) * 127.5).astype(np.uint8)


def png_bytes(gray_uint8):
    import matplotlib.image
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, gray_uint8, cmap='gray', vmin=0, vmax=255, format='png')
    return buffer.getvalue()


class EpochSummaries:
    """Writes scalars and a sample grid per epoch with Summary protos: no summary ops in the graph. The
    event file is opened at the first write, so a run that fails before its first epoch leaves none."""

    def __init__(self, logdir, graph=None, data_spec=None, columns=None):
        """columns: of the sample grid (a model's epoch rows: their length); default ~ sqrt(samples)."""
        self.logdir, self.graph = logdir, graph
        self.writer = None
        self.data_spec, self.columns = data_spec, columns

    def write(self, epoch, scalars, samples=None):
        if self.writer is None:
            self.writer = v1.summary.FileWriter(self.logdir, graph=self.graph)
        values = [v1.Summary.Value(tag=tag, simple_value=float(value)) for tag, value in scalars.items()]
        if samples is not None and self.data_spec is not None:
            height, width = self.data_spec.drawn_shape[:2]
            grid = tile(self.data_spec.to_unit(self.data_spec.as_images(samples)) * 2 - 1, (height, width),
                        self.columns)
            image = v1.Summary.Image(height=grid.shape[0], width=grid.shape[1], colorspace=4,  # imsave writes RGBA
                                     encoded_image_string=png_bytes(grid))
            values.append(v1.Summary.Value(tag='samples', image=image))
        self.writer.add_summary(v1.Summary(value=values), epoch)
        self.writer.flush()

    def close(self):
        if self.writer is not None:
            self.writer.close()
