"""What the shared training loop needs to know about a GAN, and nothing MNIST- or MLP-specific.

A model module builds its graph and hands the loop a `GANModel`: the placeholders, the two losses,
the training phases of one iteration in order, the variable lists, a sampler built once with
reuse=True, and how to turn a data batch and a numpy RNG into a feed.
"""
import dataclasses
from typing import Callable, Optional

import numpy as np
import tensorflow as tf


NEW_BATCH, SAME_FEED, NEW_NOISE = 'new_batch', 'same_feed', 'new_noise'


@dataclasses.dataclass
class TrainPhase:
    """One optimizer step of an iteration, run `repeats` times, each run fed by `feed`:
    NEW_BATCH: the next real batch and fresh noise;
    SAME_FEED: the previous run's feed (the notebook's G step reuses the D step's `batch_z`);
    NEW_NOISE: the previous real batch (and labels) with fresh noise (Keras tutorials' G step).
    """
    name: str
    train_op: tf.Operation
    repeats: int = 1
    feed: str = NEW_BATCH


@dataclasses.dataclass
class GANModel:
    name: str
    real_input: tf.Tensor
    z_input: tf.Tensor
    d_loss: tf.Tensor
    g_loss: tf.Tensor
    phases: list
    g_vars: list
    d_vars: list
    sampler: tf.Tensor
    noise: Callable[[np.random.RandomState, int], np.ndarray]
    preprocess: Callable[[np.ndarray], np.ndarray]
    loss_names: tuple = ('Discriminator', 'Generator')
    label_input: Optional[tf.Tensor] = None
    # Model-shaping settings: a resumed run must have the same ones.
    signature: dict = dataclasses.field(default_factory=dict)
    # How to rebuild the generator alone for sampling: {'model': module in gan_graph, 'kwargs': ...,
    # 'z_size': int, 'noise': 'uniform' | 'normal', 'conditional': bool}; saved beside its checkpoint.
    generator_spec: dict = dataclasses.field(default_factory=dict)
    # What the generator checkpoint holds: g_vars plus any non-trainable state (batch-norm statistics).
    g_save_vars: Optional[list] = None
    # The pieces again as functions, for the fast loop to build fused in-graph steps from the same
    # variables and optimizers (None: the model supports only the faithful feed_dict loop).
    networks: Optional['Networks'] = None

    def __post_init__(self):
        if self.g_save_vars is None:
            self.g_save_vars = list(self.g_vars)

    def feed(self, images, labels, rng):
        """Feed for one training step: real batch (preprocessed) and fresh noise."""
        feed = {self.real_input: self.preprocess(images),
                self.z_input: self.noise(rng, len(images))}
        if self.label_input is not None:
            feed[self.label_input] = labels
        return feed

    def refresh_noise(self, feed, rng):
        """The same feed with fresh noise."""
        return {**feed, self.z_input: self.noise(rng, len(feed[self.z_input]))}

    def sample_feed(self, rng, num_samples, labels=None):
        feed = {self.z_input: self.noise(rng, num_samples)}
        if self.label_input is not None:
            feed[self.label_input] = labels if labels is not None else np.arange(num_samples) % 10
        return feed


@dataclasses.dataclass
class Networks:
    """A minimax GAN as functions over tensors, each reusing the variables already built."""
    generator: Callable        # z -> images
    discriminator: Callable    # images -> logits
    d_loss: Callable           # (logits_real, logits_fake) -> scalar
    g_loss: Callable           # logits_fake -> scalar
    d_optimizer: object
    g_optimizer: object
    noise: Callable            # (batch_size, seed: int tensor [2]) -> in-graph noise, stateless, the
                               # same distribution as the numpy `noise`
    # True when D treats examples independently (no batch norm): real and fake may then go through
    # D as one batch, fewer and larger matrix products with the same results.
    per_example_discriminator: bool = False


def uniform_noise(rng, num, z_size):
    """The tutorials' `np.random.uniform(-1, 1, size=(num, z_size))`."""
    return rng.uniform(-1, 1, size=(num, z_size))


def normal_noise(rng, num, z_size):
    """`np.random.normal(0, 1, (num, z_size))`, as the Keras-GAN tutorials draw it."""
    return rng.normal(0, 1, size=(num, z_size))


NOISE = {'uniform': uniform_noise, 'normal': normal_noise}


def uniform_noise_tensor(batch_size, seed, z_size):
    """In-graph uniform(-1, 1) noise; stateless, so a resumed run draws what it would have drawn."""
    return tf.random.stateless_uniform([batch_size, z_size], seed=seed, minval=-1, maxval=1)


def normal_noise_tensor(batch_size, seed, z_size):
    return tf.random.stateless_normal([batch_size, z_size], seed=seed)


def scope_variables(scope):
    """Trainable variables whose names start with `scope`: how the tutorials build var_lists."""
    return [var for var in tf.compat.v1.trainable_variables() if var.name.startswith(scope)]


def scope_state(scope):
    """All variables under `scope/`, trainable or not; call before creating optimizers (slots)."""
    return tf.compat.v1.global_variables(scope=scope + '/')
