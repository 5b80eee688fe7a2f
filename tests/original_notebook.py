"""The original Udacity `gan_mnist` notebook code (and the blog's 2-layer variant), kept as a test oracle.

It uses `tf.layers.dense`, which today's TensorFlow only provides through the tf_keras package with
TF_USE_LEGACY_KERAS=1; tests run this file in a subprocess with that environment. It is NOT part of
gan_graph. Apart from argument parsing and the data feed (our reader, since the notebook's
`input_data` module is gone), the graph, the loop and the files it writes are the notebook's.

  python original_notebook.py train WORKDIR ARCH EPOCHS BATCHES DATA_DIR
  python original_notebook.py sample WORKDIR ARCH Z.npy OUT.npy
"""
import os
import pickle as pkl
import sys

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()


def model_inputs(real_dim, z_dim):
    inputs_real = tf.placeholder(tf.float32, (None, real_dim), name='input_real')
    inputs_z = tf.placeholder(tf.float32, (None, z_dim), name='input_z')
    return inputs_real, inputs_z


def generator(z, out_dim, n_units=128, reuse=False, alpha=0.01, arch='udacity'):
    with tf.variable_scope('generator', reuse=reuse):
        h1 = tf.layers.dense(z, n_units, activation=None)
        h1 = tf.maximum(alpha * h1, h1)
        if arch == 'blog':
            h1 = tf.layers.dense(h1, 256, activation=None)
            h1 = tf.maximum(alpha * h1, h1)
        logits = tf.layers.dense(h1, out_dim, activation=None)
        out = tf.tanh(logits)
        return out


def discriminator(x, n_units=128, reuse=False, alpha=0.01, arch='udacity'):
    with tf.variable_scope('discriminator', reuse=reuse):
        h1 = tf.layers.dense(x, n_units, activation=None)
        h1 = tf.maximum(alpha * h1, h1)
        if arch == 'blog':
            h1 = tf.layers.dense(h1, 256, activation=None)
            h1 = tf.maximum(alpha * h1, h1)
        logits = tf.layers.dense(h1, 1, activation=None)
        out = tf.sigmoid(logits)
        return out, logits


input_size = 784
z_size = 100
g_hidden_size = 128
d_hidden_size = 128
alpha = 0.01
smooth = 0.1
learning_rate = 0.002


def build(arch):
    tf.reset_default_graph()
    input_real, input_z = model_inputs(input_size, z_size)
    g_model = generator(input_z, input_size, n_units=g_hidden_size, alpha=alpha, arch=arch)
    d_model_real, d_logits_real = discriminator(input_real, n_units=d_hidden_size, alpha=alpha, arch=arch)
    d_model_fake, d_logits_fake = discriminator(g_model, reuse=True, n_units=d_hidden_size, alpha=alpha, arch=arch)
    d_loss_real = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        logits=d_logits_real, labels=tf.ones_like(d_logits_real) * (1 - smooth)))
    d_loss_fake = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        logits=d_logits_fake, labels=tf.zeros_like(d_logits_real)))
    d_loss = d_loss_real + d_loss_fake
    g_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        logits=d_logits_fake, labels=tf.ones_like(d_logits_fake)))
    t_vars = tf.trainable_variables()
    g_vars = [var for var in t_vars if var.name.startswith('generator')]
    d_vars = [var for var in t_vars if var.name.startswith('discriminator')]
    d_train_opt = tf.train.AdamOptimizer(learning_rate).minimize(d_loss, var_list=d_vars)
    g_train_opt = tf.train.AdamOptimizer(learning_rate).minimize(g_loss, var_list=g_vars)
    return input_real, input_z, d_loss, g_loss, d_train_opt, g_train_opt, g_vars


def train(arch, epochs, batches, data_dir):
    from gan_graph.data import mnist as reader  # stands in for tensorflow.examples.tutorials.mnist.input_data
    mnist = reader.read_data_sets(data_dir, seed=0)
    input_real, input_z, d_loss, g_loss, d_train_opt, g_train_opt, g_vars = build(arch)
    batch_size = 100
    samples = []
    losses = []
    saver = tf.train.Saver(var_list=g_vars)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for e in range(epochs):
            for ii in range(batches):
                batch = mnist.train.next_batch(batch_size)
                batch_images = batch[0].reshape((batch_size, 784))
                batch_images = batch_images * 2 - 1
                batch_z = np.random.uniform(-1, 1, size=(batch_size, z_size))
                _ = sess.run(d_train_opt, feed_dict={input_real: batch_images, input_z: batch_z})
                _ = sess.run(g_train_opt, feed_dict={input_z: batch_z})
            train_loss_d = sess.run(d_loss, {input_z: batch_z, input_real: batch_images})
            train_loss_g = g_loss.eval({input_z: batch_z})
            print("Epoch {}/{}...".format(e + 1, epochs),
                  "Discriminator Loss: {:.4f}...".format(train_loss_d),
                  "Generator Loss: {:.4f}".format(train_loss_g))
            losses.append((train_loss_d, train_loss_g))
            sample_z = np.random.uniform(-1, 1, size=(16, z_size))
            gen_samples = sess.run(
                generator(input_z, input_size, n_units=g_hidden_size, reuse=True, alpha=alpha, arch=arch),
                feed_dict={input_z: sample_z})
            samples.append(gen_samples)
            saver.save(sess, './checkpoints/generator.ckpt')
    with open('train_samples.pkl', 'wb') as f:
        pkl.dump(samples, f)


def sample(arch, z_path, out_path):
    input_real, input_z, d_loss, g_loss, d_train_opt, g_train_opt, g_vars = build(arch)
    saver = tf.train.Saver(var_list=g_vars)
    with tf.Session() as sess:
        saver.restore(sess, tf.train.latest_checkpoint('checkpoints'))
        sample_z = np.load(z_path)
        gen_samples = sess.run(
            generator(input_z, input_size, n_units=g_hidden_size, reuse=True, alpha=alpha, arch=arch),
            feed_dict={input_z: sample_z})
    np.save(out_path, gen_samples)


if __name__ == '__main__':
    command, workdir, arch = sys.argv[1:4]
    args = [os.path.abspath(a) if os.path.exists(a) else a for a in sys.argv[4:]]
    os.chdir(workdir)
    if command == 'train':
        train(arch, int(args[0]), int(args[1]), args[2])
    else:
        sample(arch, args[0], os.path.abspath(args[1]))
