"""GAN losses as small pure functions of logits (the tutorials' sigmoid cross-entropy)."""
import tensorflow as tf


def sigmoid_cross_entropy(logits, labels):
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=logits, labels=labels))


def minimax_discriminator_loss(d_logits_real, d_logits_fake, smooth=0.1):
    """d_loss_real (labels 1 - smooth: one-sided label smoothing) + d_loss_fake (labels 0)."""
    d_loss_real = sigmoid_cross_entropy(d_logits_real, tf.ones_like(d_logits_real) * (1 - smooth))
    d_loss_fake = sigmoid_cross_entropy(d_logits_fake, tf.zeros_like(d_logits_fake))
    return d_loss_real + d_loss_fake


def minimax_generator_loss(d_logits_fake):
    """Non-saturating generator loss: fakes labelled real, never smoothed."""
    return sigmoid_cross_entropy(d_logits_fake, tf.ones_like(d_logits_fake))
