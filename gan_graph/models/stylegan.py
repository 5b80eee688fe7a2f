"""A StyleGAN-style generator on MNIST padded to 32x32 (Karras et al. 2019; NVlabs/stylegan, TF1).

Generator = mapping network + synthesis network:
- G_mapping: z ~ N(0, I) -> pixel norm -> `mapping_layers` dense layers with leaky ReLU 0.2 and a
  learning-rate multiplier of 0.01 -> w. It keeps the running mean of w (dlatent_avg, beta 0.995) for
  the truncation trick, updated by the generator's step like batch-norm statistics.
- G_synthesis: a learned 4x4 constant (ones), then per resolution nearest upsampling -> 3x3 conv ->
  [1, 2, 1] blur, and another 3x3 conv; every one of the 8 layers (at 32x32) ends with: + per-pixel
  N(0, 1) noise times a learned per-channel weight (0 at first) -> bias -> leaky ReLU -> instance norm
  -> style modulation x * (s + 1) + b, (s, b) an affine map of w. A 1x1 ToRGB, no tanh.
- Style mixing regularisation: with probability 0.9 a batch takes w from a second z from a random
  layer on (one cutoff per batch, as the reference draws it).
Discriminator: FromRGB, per resolution 3x3 conv and blur -> 3x3 conv -> 2x2 average down, minibatch
standard deviation (groups of 4) before the last 3x3 conv, dense, dense 1. Every weight in both
networks has the equalised learning rate (nn/stylegan_ops.py).
Losses (training/loss.py): G non-saturating logistic softplus(-D(G(z))); D logistic
softplus(D(G(z))) + softplus(-D(x)) plus the R1 penalty gamma/2 * ||grad_x D(x)||^2 on real images.
Adam(1e-3, beta1 0, beta2 0.99).
Gs: the exponential moving average of the generator, beta = 0.5 ** (batch / 10000) (half-life 10k
images). Its variables `Gs/...` are created beside G's with G's initial values (the reference's
G.clone('Gs')) and updated after every D step, as the reference runs Gs_update_op with D_train_op;
Gs's dlatent_avg is copied from G's. Gs is the exported 'generator': generator.ckpt, samples, metrics.

Noise: the per-layer noise images are stateful in-graph draws, as the reference's tf.random_normal
inside the synthesis network (and as WGAN-GP's alpha): a resumed run is a valid continuation but not
bit-identical to the uninterrupted one. The z and mixing z inputs are the description's Noise inputs
(keyed stateless draws in the fast loop). Figures pass `noise_seed` to fix the noise images, as the
reference's figures read its fixed noise variables (randomize_noise=False).
"""
import functools
import math

import numpy as np
import tensorflow as tf

from gan_graph.data import spec as spec_lib
from gan_graph.models import description as d
from gan_graph.nn import averaging, losses, ops as base_ops
from gan_graph.nn import stylegan_ops as ops

v1 = tf.compat.v1

GS_SCOPE = 'Gs'
RESOLUTION = 32
# The reference's lrelu: alpha 0.2 throughout.
lrelu = functools.partial(base_ops.leaky_relu, alpha=0.2)
CPU_SIZES = dict(z_size=256, dlatent_size=256, mapping_layers=4, mapping_fmaps=256, fmap_base=256, fmap_max=128)
REFERENCE_SIZES = dict(z_size=512, dlatent_size=512, mapping_layers=8, mapping_fmaps=512, fmap_base=8192,
                       fmap_max=512)


def num_style_layers(resolution=RESOLUTION):
    """Two layers per resolution from 4x4 on: 8 at 32x32."""
    return 2 * int(math.log2(resolution)) - 2


def feature_maps(stage, fmap_base, fmap_max):
    """The reference's nf(stage): fmap_base / 2**stage, at most fmap_max."""
    return min(int(fmap_base / 2.0 ** stage), fmap_max)


# --- Mapping ----------------------------------------------------------------------------------------

def mapping(z, reuse=False, track_average=True, dlatent_size=256, mapping_layers=4, mapping_fmaps=256,
            mapping_lrmul=0.01, dlatent_avg_beta=0.995):
    """G_mapping: z -> w (N, dlatent_size). track_average: add the update of the running mean of w
    (dlatent_avg <- lerp(batch mean, dlatent_avg, beta)) to UPDATE_OPS, run by the step training it."""
    with v1.variable_scope('G_mapping', reuse=reuse):
        x = ops.pixel_norm(z)
        for layer in range(mapping_layers):
            with v1.variable_scope(f'Dense{layer}'):
                units = dlatent_size if layer == mapping_layers - 1 else mapping_fmaps
                x = lrelu(ops.bias(ops.equalized_dense(x, units, lrmul=mapping_lrmul), mapping_lrmul))
        dlatent_avg = v1.get_variable('dlatent_avg', [dlatent_size], initializer=v1.zeros_initializer(),
                                      trainable=False)
        if track_average:
            batch_avg = tf.reduce_mean(x, axis=0)
            base_ops.add_update(lambda: dlatent_avg.assign(batch_avg + (dlatent_avg - batch_avg) * dlatent_avg_beta))
        return x


def dlatent_average():
    """The running mean of w of the mapping network built in the current scope."""
    with v1.variable_scope('G_mapping', reuse=True):
        return v1.get_variable('dlatent_avg')


def broadcast(w, num_layers):
    """w (N, D) -> one copy per style layer (N, num_layers, D)."""
    return tf.tile(w[:, None], [1, num_layers, 1])


def mix(dlatents, dlatents2, cutoff):
    """Layers below `cutoff` from dlatents, the rest from dlatents2."""
    layer = tf.range(tf.shape(dlatents)[1])[None, :, None]
    return tf.where(tf.broadcast_to(layer < cutoff, tf.shape(dlatents)), dlatents, dlatents2)


def mixing_cutoff(num_layers, mixing_prob):
    """With probability mixing_prob a cutoff uniform in [1, num_layers), else num_layers (no mixing)."""
    mixed = tf.random.uniform([], 1, num_layers, dtype=tf.int32)
    return tf.where(tf.random.uniform([]) < mixing_prob, mixed, num_layers)


def truncate(dlatents, dlatent_avg, psi, cutoff):
    """The truncation trick: w_avg + psi (w - w_avg) in the layers below `cutoff`."""
    layer = np.arange(int(dlatents.shape[1]))[None, :, None]
    coefs = np.where(layer < cutoff, psi, 1.0).astype(np.float32)
    return dlatent_avg + (dlatents - dlatent_avg) * coefs


# --- Synthesis --------------------------------------------------------------------------------------

def layer_noise(x, layer, noise_seed):
    """One N(0, 1) image per example (stateful, fresh every run), or with noise_seed one image keyed by
    (noise_seed, layer) shared by the batch."""
    height, width = x.shape.as_list()[1:3]
    if noise_seed is None:
        return tf.random.normal([tf.shape(x)[0], height, width, 1])
    return tf.random.stateless_normal([1, height, width, 1], seed=[noise_seed, layer])


def synthesis(dlatents, reuse=False, fmap_base=256, fmap_max=128, resolution=RESOLUTION, channels=1,
              noise_seed=None):
    """G_synthesis: dlatents (N, num_style_layers, D) -> images (N, resolution, resolution, channels)."""
    nf = functools.partial(feature_maps, fmap_base=fmap_base, fmap_max=fmap_max)

    def epilogue(x, layer):
        x = ops.apply_noise(x, layer_noise(x, layer, noise_seed))
        x = ops.instance_norm(lrelu(ops.bias(x)))
        return ops.style_mod(x, dlatents[:, layer])

    with v1.variable_scope('G_synthesis', reuse=reuse):
        with v1.variable_scope('4x4'):
            with v1.variable_scope('Const'):
                const = v1.get_variable('const', [1, 4, 4, nf(1)], initializer=v1.ones_initializer())
                x = epilogue(tf.tile(const, [tf.shape(dlatents)[0], 1, 1, 1]), 0)
            with v1.variable_scope('Conv'):
                x = epilogue(ops.equalized_conv2d(x, nf(1), 3), 1)
        for res in range(3, int(math.log2(resolution)) + 1):
            with v1.variable_scope(f'{2 ** res}x{2 ** res}'):
                with v1.variable_scope('Conv0_up'):
                    x = epilogue(ops.blur2d(ops.equalized_conv2d(ops.upscale2d(x), nf(res - 1), 3)), 2 * res - 4)
                with v1.variable_scope('Conv1'):
                    x = epilogue(ops.equalized_conv2d(x, nf(res - 1), 3), 2 * res - 3)
        with v1.variable_scope('ToRGB_lod0'):
            return ops.bias(ops.equalized_conv2d(x, channels, 1, gain=1.0))


# --- Discriminator ----------------------------------------------------------------------------------

def discriminator(images, reuse=False, fmap_base=256, fmap_max=128, resolution=RESOLUTION, channels=1,
                  mbstd_group_size=4):
    """D_basic: images (N, resolution, resolution, channels) -> scores (N, 1)."""
    nf = functools.partial(feature_maps, fmap_base=fmap_base, fmap_max=fmap_max)
    act = lrelu
    top = int(math.log2(resolution))
    with v1.variable_scope('D', reuse=reuse):
        x = tf.reshape(images, (-1, resolution, resolution, channels))
        with v1.variable_scope('FromRGB_lod0'):
            x = act(ops.bias(ops.equalized_conv2d(x, nf(top - 1), 1)))
        for res in range(top, 2, -1):
            with v1.variable_scope(f'{2 ** res}x{2 ** res}'):
                with v1.variable_scope('Conv0'):
                    x = act(ops.bias(ops.equalized_conv2d(x, nf(res - 1), 3)))
                with v1.variable_scope('Conv1_down'):
                    x = act(ops.bias(ops.downscale2d(ops.equalized_conv2d(ops.blur2d(x), nf(res - 2), 3))))
        with v1.variable_scope('4x4'):
            if mbstd_group_size > 1:
                x = ops.minibatch_stddev(x, mbstd_group_size)
            with v1.variable_scope('Conv'):
                x = act(ops.bias(ops.equalized_conv2d(x, nf(1), 3)))
            with v1.variable_scope('Dense0'):
                x = act(ops.bias(ops.equalized_dense(x, nf(0))))
            with v1.variable_scope('Dense1'):
                return ops.bias(ops.equalized_dense(x, 1, gain=1.0))


# --- The generators as networks ----------------------------------------------------------------------

def trained_mapping(z, reuse=False, **kwargs):
    with averaging.with_twins(GS_SCOPE):
        return mapping(z, reuse=reuse, **kwargs)


def trained_synthesis(dlatents, reuse=False, **kwargs):
    with averaging.with_twins(GS_SCOPE):
        return synthesis(dlatents, reuse=reuse, **kwargs)


def gs_generator(z, reuse=False, mapping_kwargs=None, synthesis_kwargs=None, truncation_psi=1.0,
                 truncation_cutoff=None, noise_seed=None):
    """Gs: z -> images in [-1, 1], w truncated towards dlatent_avg by psi in layers below truncation_cutoff
    (default all; psi 1: no truncation, as the reference's metrics sample)."""
    del reuse   # Gs's variables exist beside G's in training, and are made when sampling alone
    num_layers = num_style_layers(synthesis_kwargs.get('resolution', RESOLUTION))
    with averaging.averaged(GS_SCOPE):
        dlatents = broadcast(mapping(z, track_average=False, **mapping_kwargs), num_layers)
        if truncation_psi != 1.0:
            cutoff = num_layers if truncation_cutoff is None else truncation_cutoff
            dlatents = truncate(dlatents, dlatent_average(), truncation_psi, cutoff)
        images = synthesis(dlatents, noise_seed=noise_seed, **synthesis_kwargs)
    # The synthesis output is linear; the reference clips it to the data range wherever it leaves the
    # network (convert_images_to_uint8 for its image grids and metrics): so do samples and the judge.
    return tf.clip_by_value(images, -1.0, 1.0)


# --- Losses --------------------------------------------------------------------------------------------

def fake_images(nets, batch, num_layers, style_mixing_prob):
    """G(z) as the reference's G_style builds it in training: the running mean of w tracked on z's w,
    and style mixing with w of batch.z_mix."""
    dlatents = broadcast(nets.mapping(batch.z), num_layers)
    if style_mixing_prob:
        mixed = broadcast(nets.mapping(batch.z_mix, track_average=False), num_layers)
        dlatents = mix(dlatents, mixed, mixing_cutoff(num_layers, style_mixing_prob))
    return nets.synthesis(dlatents)


def d_loss(nets, batch, num_layers, style_mixing_prob, r1_gamma):
    """D_logistic_simplegp: softplus(D(fake)) + softplus(-D(real)) + r1_gamma / 2 * ||grad D(real)||^2."""
    fake = fake_images(nets, batch, num_layers, style_mixing_prob)
    real_scores, fake_scores = nets.discriminator.on_real_and_fake(batch.real, fake)
    loss = losses.logistic_discriminator_loss(real_scores, fake_scores)
    if not r1_gamma:
        return loss
    return loss + r1_gamma * 0.5 * tf.identity(losses.r1_penalty(real_scores, batch.real), name='r1_penalty')


def g_loss(nets, batch, num_layers, style_mixing_prob):
    """G_logistic_nonsaturating: softplus(-D(G(z)))."""
    return losses.logistic_nonsaturating_generator_loss(
        nets.discriminator(fake_images(nets, batch, num_layers, style_mixing_prob)))


def adam(learning_rate, beta1, beta2):
    return v1.train.AdamOptimizer(learning_rate, beta1=beta1, beta2=beta2, epsilon=1e-8)


def describe(z_size=256, dlatent_size=256, mapping_layers=4, mapping_fmaps=256, mapping_lrmul=0.01,
             fmap_base=256, fmap_max=128, dlatent_avg_beta=0.995, style_mixing_prob=0.9, r1_gamma=10.0,
             mbstd_group_size=4, learning_rate=1e-3, beta1=0.0, beta2=0.99, batch_size=32, gs_half_life_kimg=10.0,
             truncation_psi=1.0, truncation_cutoff=None):
    """CPU sizes by default (REFERENCE_SIZES are config F's); batch_size sets Gs's beta."""
    hparams = dict(z_size=z_size, dlatent_size=dlatent_size, mapping_layers=mapping_layers,
                   mapping_fmaps=mapping_fmaps, mapping_lrmul=mapping_lrmul, fmap_base=fmap_base, fmap_max=fmap_max,
                   dlatent_avg_beta=dlatent_avg_beta, style_mixing_prob=style_mixing_prob, r1_gamma=r1_gamma,
                   mbstd_group_size=mbstd_group_size, learning_rate=learning_rate, beta1=beta1, beta2=beta2,
                   batch_size=batch_size, gs_half_life_kimg=gs_half_life_kimg, truncation_psi=truncation_psi,
                   truncation_cutoff=truncation_cutoff)
    if not 0 <= style_mixing_prob <= 1:
        raise ValueError(f'style_mixing_prob must be in [0, 1], got {style_mixing_prob}')
    num_layers = num_style_layers()
    mapping_kwargs = dict(dlatent_size=dlatent_size, mapping_layers=mapping_layers, mapping_fmaps=mapping_fmaps,
                          mapping_lrmul=mapping_lrmul, dlatent_avg_beta=dlatent_avg_beta)
    synthesis_kwargs = dict(fmap_base=fmap_base, fmap_max=fmap_max)
    optimizer = functools.partial(adam, learning_rate, beta1, beta2)
    ema = averaging.update_after_step(GS_SCOPE, averaging.half_life_beta(batch_size, gs_half_life_kimg))
    return d.Description(
        name='stylegan', module='stylegan', hparams=hparams,
        shaping=('z_size', 'dlatent_size', 'mapping_layers', 'mapping_fmaps', 'fmap_base', 'fmap_max'),
        data=spec_lib.mnist_spec(flat=False, padded=True, labels=False),
        inputs={'real': d.Data(), 'z': d.Noise('normal', z_size), 'z_mix': d.Noise('normal', z_size)},
        networks={'mapping': d.Network('G_mapping', trained_mapping, mapping_kwargs),
                  'synthesis': d.Network('G_synthesis', trained_synthesis, synthesis_kwargs),
                  'discriminator': d.Network('D', discriminator, dict(synthesis_kwargs, mbstd_group_size=mbstd_group_size)),
                  'Gs': d.Network(GS_SCOPE, gs_generator, dict(mapping_kwargs=mapping_kwargs,
                                                               synthesis_kwargs=synthesis_kwargs))},
        losses={'Discriminator': d.Loss(functools.partial(d_loss, num_layers=num_layers,
                                                          style_mixing_prob=style_mixing_prob, r1_gamma=r1_gamma)),
                'Generator': d.Loss(functools.partial(g_loss, num_layers=num_layers,
                                                      style_mixing_prob=style_mixing_prob))},
        optimizers={'d': optimizer, 'g': optimizer},
        steps=[d.Step('discriminator', 'Discriminator', trains='discriminator', optimizer='d', after_update=ema),
               d.Step('generator', 'Generator', trains=('mapping', 'synthesis'), optimizer='g', feed=d.NEW_NOISE)],
        exports={'generator': d.Sampler('Gs', call_kwargs={'truncation_psi': truncation_psi,
                                                           'truncation_cutoff': truncation_cutoff})})
