"""The data set a spec names, read or made: train/validation/test splits with the tutorial reader's
`next_batch`, shaped and scaled as the spec says."""
from gan_graph.data import domains, mnist, procedural

READERS = {'mnist': mnist.read_data_sets,
           'mnist_outlines': domains.read_data_sets,
           'voxel_shapes': procedural.read_data_sets}


def read(spec, data_dir=mnist.DEFAULT_DATA_DIR, seed=None):
    if spec.name not in READERS:
        raise ValueError(f'no reader for data set {spec.name!r}; gan_graph reads {sorted(READERS)}')
    # Only a spec that sets it asks its reader for another validation split (MNIST's reader takes one).
    options = {} if spec.validation_size is None else {'validation_size': spec.validation_size}
    return READERS[spec.name](data_dir, seed=seed, spec=spec, **options)
