"""Conditional GAN on MNIST, as the tutorial's Keras-GAN code (`cgan.py`) builds and trains it.

Generator: the label goes through an embedding (10 -> latent_dim) multiplied element-wise into the
Normal(0, 1) noise; then an MLP 256-512-1024, each Dense + LeakyReLU(0.2) + BatchNormalization
(momentum 0.8), and a tanh output of 784.
Discriminator: the label goes through an embedding (10 -> 784) multiplied into the flattened image;
then an MLP 512-512-512 with LeakyReLU(0.2), dropout 0.4 after the last two, and a sigmoid output.

Training, per iteration as the Keras loop: noise ~ N(0, 1); `generator.predict([noise, labels])`
(inference mode: moving statistics); `discriminator.train_on_batch` on the real images with their
labels (valid), then on the fakes with the same labels (fake): two Adam steps of one optimizer;
then `combined.train_on_batch([noise, sampled_labels], valid)` with random labels, the discriminator
frozen. Adam(2e-4, 0.5) and Keras' epsilon 1e-7, batch 32, binary cross-entropy.
"""
import functools

import numpy as np
import tensorflow as tf

from gan_graph import losses, model, ops, sampling

v1 = tf.compat.v1

IMAGE_SIZE = 28 * 28
NUM_CLASSES = 10
KERAS_EPSILON = 1e-7


def model_inputs(real_dim, z_dim):
    inputs_real = v1.placeholder(tf.float32, (None, real_dim), name='input_real')
    inputs_z = v1.placeholder(tf.float32, (None, z_dim), name='input_z')
    inputs_labels = v1.placeholder(tf.int32, (None,), name='input_labels')
    return inputs_real, inputs_z, inputs_labels


def generator(z, labels, reuse=False, training=True, out_dim=IMAGE_SIZE, alpha=0.2, momentum=0.8):
    """(noise, labels) -> (N, out_dim) in [-1, 1]; training=False uses the moving statistics."""
    latent_dim = z.shape[-1]
    with v1.variable_scope('generator', reuse=reuse):
        label_embedding = ops.embedding(labels, NUM_CLASSES, latent_dim)
        x = z * label_embedding
        for units in (256, 512, 1024):
            x = ops.keras_leaky_relu(ops.dense(x, units), alpha)
            x = ops.batch_norm(x, training=training, momentum=momentum)
        out = tf.tanh(ops.dense(x, out_dim))
        return out


def discriminator(images, labels, reuse=False, training=True, alpha=0.2, dropout=0.4):
    """(flattened images, labels) -> (validity, logits), each (N, 1)."""
    with v1.variable_scope('discriminator', reuse=reuse):
        label_embedding = ops.embedding(labels, NUM_CLASSES, images.shape[-1])
        x = images * label_embedding
        x = ops.keras_leaky_relu(ops.dense(x, 512), alpha)
        x = ops.keras_leaky_relu(ops.dense(x, 512), alpha)
        x = ops.dropout(x, dropout, training=training)
        x = ops.keras_leaky_relu(ops.dense(x, 512), alpha)
        x = ops.dropout(x, dropout, training=training)
        logits = ops.dense(x, 1)
        validity = tf.sigmoid(logits)
        return validity, logits


def build(latent_dim=100, alpha=0.2, momentum=0.8, dropout=0.4, learning_rate=2e-4, beta1=0.5):
    """Build the Keras-GAN CGAN in the default graph and describe it for the training loop."""
    input_real, input_z, input_labels = model_inputs(IMAGE_SIZE, latent_dim)
    # np.random.randint(0, 10, batch_size): the labels the combined model is trained with.
    sampled_labels = tf.random.uniform(tf.shape(input_labels), 0, NUM_CLASSES, dtype=tf.int32,
                                       name='sampled_labels')

    # `generator.predict([noise, labels])`: inference mode, moving statistics, no updates.
    gen_imgs = generator(input_z, input_labels, training=False, alpha=alpha, momentum=momentum)
    # The generator inside `combined`: training mode, batch statistics, updates its moving statistics.
    g_model = generator(input_z, sampled_labels, reuse=True, alpha=alpha, momentum=momentum)
    _, d_logits_real = discriminator(input_real, input_labels, alpha=alpha, dropout=dropout)
    _, d_logits_fake = discriminator(gen_imgs, input_labels, reuse=True, alpha=alpha, dropout=dropout)
    _, d_logits_combined = discriminator(g_model, sampled_labels, reuse=True, alpha=alpha, dropout=dropout)

    d_loss_real = losses.sigmoid_cross_entropy(d_logits_real, tf.ones_like(d_logits_real))
    d_loss_fake = losses.sigmoid_cross_entropy(d_logits_fake, tf.zeros_like(d_logits_fake))
    d_loss = 0.5 * (d_loss_real + d_loss_fake)  # as the loop prints it
    g_loss = losses.sigmoid_cross_entropy(d_logits_combined, tf.ones_like(d_logits_combined))

    g_vars = model.scope_variables('generator')
    d_vars = model.scope_variables('discriminator')
    g_state = model.scope_state('generator')  # + batch-norm moving statistics; before the optimizers' slots
    # One optimizer for the discriminator's two train_on_batch calls: shared moments, two steps.
    d_optimizer = v1.train.AdamOptimizer(learning_rate, beta1=beta1, epsilon=KERAS_EPSILON)
    d_train_real = d_optimizer.minimize(d_loss_real, var_list=d_vars)
    d_train_fake = d_optimizer.minimize(d_loss_fake, var_list=d_vars)
    with tf.control_dependencies(ops.update_ops('generator')):
        g_train_opt = v1.train.AdamOptimizer(learning_rate, beta1=beta1, epsilon=KERAS_EPSILON).minimize(
            g_loss, var_list=g_vars)

    spec = generator_spec(latent_dim, alpha, momentum)
    return model.GANModel(
        name='cgan', real_input=input_real, z_input=input_z, label_input=input_labels,
        d_loss=d_loss, g_loss=g_loss,
        phases=[model.TrainPhase('discriminator_real', d_train_real),
                model.TrainPhase('discriminator_fake', d_train_fake, feed=model.SAME_FEED),
                # the same noise, random labels drawn in the graph
                model.TrainPhase('generator', g_train_opt, feed=model.SAME_FEED)],
        g_vars=g_vars, d_vars=d_vars, g_save_vars=g_state,
        sampler=sampler(input_z, input_labels, reuse=True, **spec['kwargs']),
        noise=functools.partial(model.normal_noise, z_size=latent_dim),
        preprocess=lambda images: images * 2 - 1,
        signature=dict(latent_dim=latent_dim),
        generator_spec=spec)


def generator_spec(latent_dim, alpha, momentum):
    return {'model': 'cgan', 'z_size': latent_dim, 'noise': 'normal', 'conditional': True,
            'kwargs': {'alpha': alpha, 'momentum': momentum}}


def sampler(z, labels, reuse=False, alpha=0.2, momentum=0.8):
    """The generator with its moving statistics, for sampling digits `labels`."""
    return generator(z, labels, reuse=reuse, training=False, alpha=alpha, momentum=momentum)


def label_accuracy(checkpoint_dir, classify, per_digit=1000, seed=0):
    """How often `classify` (a judge: (N, 784) images in [-1, 1] -> N predicted digits) reads the digit
    the generator was asked for, over `per_digit` samples of each digit; returns (overall, per digit)."""
    labels = np.repeat(np.arange(NUM_CLASSES), per_digit)
    images = sampling.sample_generator(checkpoint_dir, len(labels), seed=seed, labels=labels)
    correct = np.asarray(classify(images)) == labels
    return float(correct.mean()), correct.reshape(NUM_CLASSES, per_digit).mean(axis=1)
