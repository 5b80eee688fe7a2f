"""Losses as small pure functions of tensors: the tutorials' sigmoid cross-entropy (minimax), the
least-squares (LSGAN) losses, the Wasserstein losses, the WGAN-GP gradient penalty, StyleGAN's logistic
losses and R1, the L1 distance of translation models, and the VAE's likelihood and KL terms."""
import numpy as np
import tensorflow as tf


def sigmoid_cross_entropy(logits, labels):
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=logits, labels=labels))


def keras_binary_crossentropy(probabilities, labels, epsilon=1e-7):
    """Keras 2's `binary_crossentropy` on probabilities (a sigmoid output), as its TensorFlow backend computed
    it: the probabilities clipped to [epsilon, 1 - epsilon] and turned back into logits, log(p / (1 - p)),
    then the sigmoid cross-entropy, averaged. Where the clip binds (|logit| beyond about 16) the loss stops
    growing and its gradient is zero."""
    clipped = tf.clip_by_value(probabilities, epsilon, 1 - epsilon)
    return sigmoid_cross_entropy(tf.math.log(clipped / (1 - clipped)), labels)


def minimax_discriminator_loss(d_logits_real, d_logits_fake, smooth=0.1):
    """d_loss_real (labels 1 - smooth: one-sided label smoothing) + d_loss_fake (labels 0)."""
    d_loss_real = sigmoid_cross_entropy(d_logits_real, tf.ones_like(d_logits_real) * (1 - smooth))
    d_loss_fake = sigmoid_cross_entropy(d_logits_fake, tf.zeros_like(d_logits_fake))
    return d_loss_real + d_loss_fake


def minimax_generator_loss(d_logits_fake):
    """Non-saturating generator loss: fakes labelled real, never smoothed."""
    return sigmoid_cross_entropy(d_logits_fake, tf.ones_like(d_logits_fake))


def least_squares_discriminator_loss(d_real, d_fake):
    """LSGAN (Mao et al.), as CycleGAN trains its discriminators: mean (D(real) - 1)^2 + mean D(fake)^2."""
    return tf.reduce_mean(tf.square(d_real - 1.0)) + tf.reduce_mean(tf.square(d_fake))


def least_squares_generator_loss(d_fake):
    """LSGAN: the generator wants its fakes scored 1, mean (D(fake) - 1)^2."""
    return tf.reduce_mean(tf.square(d_fake - 1.0))


def mean_absolute_error(x, y):
    """Mean |x - y| over every element: CycleGAN's cycle-consistency and identity terms."""
    return tf.reduce_mean(tf.abs(x - y))


def wasserstein_critic_loss(critic_real, critic_fake):
    """The critic maximizes E[C(real)] - E[C(fake)], the Wasserstein estimate: it minimizes its negative."""
    return tf.reduce_mean(critic_fake) - tf.reduce_mean(critic_real)


def wasserstein_generator_loss(critic_fake):
    """The generator maximizes E[C(fake)]."""
    return -tf.reduce_mean(critic_fake)


def per_example_alpha(real, seed=None):
    """One alpha ~ U[0, 1) per example, broadcast over the other axes: shape (N, 1, ..., 1)."""
    shape = tf.concat([tf.shape(real)[:1], tf.ones([real.shape.ndims - 1], tf.int32)], axis=0)
    return tf.random.uniform(shape, 0.0, 1.0, dtype=real.dtype, seed=seed, name='alpha')


def interpolates(real, fake, alpha):
    """Points on the straight lines between each real example and the fake beside it."""
    return real + alpha * (fake - real)


def gradient_penalty(critic, real, fake, alpha):
    """WGAN-GP: E[(||grad_x C(x)||_2 - 1)^2] at x = interpolates(real, fake, alpha), the norm taken
    over all the axes of one example. `critic` maps a batch to (N, 1) scores."""
    x_hat = interpolates(real, fake, alpha)
    gradients = tf.gradients(critic(x_hat), [x_hat])[0]
    # + 1e-12 keeps the penalty's own gradient finite should a gradient be exactly zero.
    slopes = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=list(range(1, x_hat.shape.ndims))) + 1e-12)
    return tf.reduce_mean(tf.square(slopes - 1.0))


def clip_weights(variables, clip_value):
    """WGAN: assign every critic weight its value clipped to [-clip_value, clip_value]."""
    return tf.group(*[var.assign(tf.clip_by_value(var, -clip_value, clip_value)) for var in variables],
                    name='clip_critic_weights')


def logistic_discriminator_loss(real_scores, fake_scores):
    """StyleGAN's D_logistic: E[softplus(D(fake))] + E[softplus(-D(real))] (sigmoid cross-entropy with
    real labelled 1, fake 0, written on the scores)."""
    return tf.reduce_mean(tf.nn.softplus(fake_scores)) + tf.reduce_mean(tf.nn.softplus(-real_scores))


def logistic_nonsaturating_generator_loss(fake_scores):
    """StyleGAN's G_logistic_nonsaturating: E[softplus(-D(G(z)))]."""
    return tf.reduce_mean(tf.nn.softplus(-fake_scores))


def r1_penalty(real_scores, reals):
    """R1 (Mescheder et al. 2018): E[||grad_x D(x)||^2] on the real examples, the squared norm taken over
    all the axes of one example; `real_scores` = D(reals), (N, 1)."""
    gradients = tf.gradients(tf.reduce_sum(real_scores), [reals])[0]
    return tf.reduce_mean(tf.reduce_sum(tf.square(gradients), axis=list(range(1, reals.shape.ndims))))


def discriminator_accuracy(d_logits_real, d_logits_fake):
    """The fraction of a real and a fake batch the discriminator classifies right (real: logit > 0, i.e.
    D(x) > 0.5; fake: logit < 0), over both batches together, as the 3D-GAN's 80% rule counts it."""
    right = tf.concat([tf.reshape(d_logits_real > 0, [-1]), tf.reshape(d_logits_fake < 0, [-1])], 0)
    return tf.reduce_mean(tf.cast(right, tf.float32))


# Variational autoencoders: the terms of the evidence lower bound, one value per example.

def bernoulli_log_likelihood(x, probs):
    """log p(x|z) of pixels x in [0, 1] under Bernoulli means `probs`, summed over each example's pixels."""
    log_likelihood = x * tf.math.log(probs) + (1 - x) * tf.math.log(1 - probs)
    return tf.reduce_sum(log_likelihood, axis=list(range(1, log_likelihood.shape.ndims)))


def bernoulli_log_likelihood_from_logits(x, logits):
    """log p(x|z) as the TensorFlow VAE tutorial computes it: -sum of sigmoid cross-entropies."""
    cross_entropy = tf.nn.sigmoid_cross_entropy_with_logits(logits=logits, labels=x)
    return -tf.reduce_sum(cross_entropy, axis=list(range(1, cross_entropy.shape.ndims)))


def gaussian_kl(mean, stddev):
    """KL(N(mean, stddev^2) || N(0, 1)) in closed form, summed over the latent dimensions, as
    hwalsuklee's VAE writes it (1e-8 keeps the log finite)."""
    return 0.5 * tf.reduce_sum(tf.square(mean) + tf.square(stddev) - tf.math.log(1e-8 + tf.square(stddev)) - 1, 1)


def log_normal_pdf(sample, mean, logvar):
    """log N(sample; mean, exp(logvar)) summed over the last axis (the VAE tutorial's log_normal_pdf)."""
    log2pi = tf.math.log(2. * np.pi)
    return tf.reduce_sum(-.5 * ((sample - mean) ** 2. * tf.exp(-logvar) + logvar + log2pi), axis=1)
