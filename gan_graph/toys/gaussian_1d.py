"""Goodfellow et al.'s Figure 1 in one dimension: a GAN whose data is a Gaussian on the real line.

The generator G maps z ~ Uniform(z_low, z_high) to x through a small MLP; the discriminator D maps x
to the probability that x came from the data. Both are variable-scoped tanh MLPs on
`tf.compat.v1.get_variable` (G: one hidden layer of 16, D: two of 16), trained in graph mode with the
paper's Algorithm 1: `d_steps` (the paper's k) discriminator steps on fresh minibatches for every
generator step. The generator uses the paper's non-saturating loss, maximising log D(G(z)). Adam
(beta1 = 0.5) with G's rate below D's and both decaying linearly: with k = 3 the final p_g's mean and
std land within 0.07 and 11% of the data's for seeds 0-5; with k = 1 p_g collapses.

For a fixed G the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x)) (the paper's
Proposition 1). p_data is known here; p_g is the density of G(z), which `kde` estimates from G applied
to an evenly spaced z grid, so D* can be drawn next to the D that training actually reached.

`train` records the four states of the paper's figure from one real run:
  (a) a training state near convergence: p_g overlaps p_data but is off, and D is only partly right;
  (b) (a) after `figure_d_steps` more D steps with G fixed: D moves towards D*;
  (c) (b) after `figure_g_steps` G steps with D fixed: G(z) flows where D says "data";
  (d) the end of training: p_g is close to p_data and D is close to 1/2 where the data is.
(b) and (c) are a detour taken after training, from (a)'s saved variables and with a random stream of
their own, so (d) is exactly the state plain training reaches.
"""
import collections

import numpy as np

Config = collections.namedtuple('Config', [
    'data_mean', 'data_std',      # p_data = N(data_mean, data_std^2)
    'z_low', 'z_high',            # p_z = Uniform(z_low, z_high)
    'g_hidden', 'd_hidden',       # hidden units: G is z -> g_hidden -> x; D is x -> d_hidden -> d_hidden -> D(x)
    'batch_size',                 # m in the paper's Algorithm 1
    'd_steps',                    # k in the paper's Algorithm 1
    'steps',                      # generator steps (training iterations)
    'learning_rate',              # D's Adam learning rate
    'g_learning_rate',            # G's Adam learning rate
    'final_lr_fraction',          # both learning rates decay linearly to this fraction at the last step
    'seed',
    'snapshot_gap',               # (a) is the first state whose p_g mean is within this many data_std of the data's
    'figure_d_steps',             # D steps, G fixed, from (a) to (b)
    'figure_g_steps',             # G steps, D fixed, from (b) to (c)
])
DEFAULTS = Config(data_mean=2.0, data_std=0.5, z_low=-1.0, z_high=1.0, g_hidden=16, d_hidden=(16, 16),
                  batch_size=256, d_steps=3, steps=3000, learning_rate=1e-3, g_learning_rate=3e-4,
                  final_lr_fraction=0.01, seed=0, snapshot_gap=1.0, figure_d_steps=2000, figure_g_steps=40)

EVAL_POINTS = 20000     # evenly spaced z values standing in for p_z when estimating p_g
GRID_POINTS = 400       # x values at which densities, D and D* are evaluated
LINE_POINTS = 25        # z values drawn as arrows from the z line to the x line
EVAL_EVERY = 10         # how often (in G steps) training checks whether it has reached state (a)

# One state of the figure. `step` is the training step it comes from ((b) and (c) are detours from
# (a)); densities, D and D* are on the grid `x`; `g_of_z_line` is G at the evenly spaced `z_line`.
Snapshot = collections.namedtuple('Snapshot', [
    'label', 'step', 'x', 'p_data', 'p_g', 'd', 'd_star', 'd_star_error', 'z_line', 'g_of_z_line',
    'g_mean', 'g_std'])
Result = collections.namedtuple('Result', 'config snapshots final_mean final_std history')


def normal_pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2.0 * np.pi))


def silverman_bandwidth(samples):
    samples = np.asarray(samples, dtype=float).ravel()
    return 1.06 * samples.std() * len(samples) ** (-1.0 / 5.0)


def kde(samples, x, bandwidth=None):
    """Gaussian kernel density estimate of `samples` at the points `x` (Silverman's bandwidth)."""
    samples = np.asarray(samples, dtype=float).ravel()
    x = np.asarray(x, dtype=float).ravel()
    if bandwidth is None:
        bandwidth = silverman_bandwidth(samples)
    bandwidth = max(bandwidth, 1e-3)
    density = np.zeros_like(x)
    for start in range(0, len(samples), 2000):  # chunks keep the (points x samples) matrix small
        chunk = samples[start:start + 2000]
        density += normal_pdf(x[:, None], chunk[None, :], bandwidth).sum(axis=1)
    return density / len(samples)


def optimal_discriminator(p_data, p_g, floor=1e-2):
    """D* = p_data / (p_data + p_g); NaN where p_data + p_g is below `floor` of its peak (0/0 out there)."""
    p_data = np.asarray(p_data, dtype=float)
    p_g = np.asarray(p_g, dtype=float)
    total = p_data + p_g
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(total > floor * total.max(), p_data / total, np.nan)


def d_star_error(d, d_star, p_data, p_g):
    """Mean |D - D*| under the mixture (p_data + p_g) / 2: where D is actually fed data or fakes."""
    weights = (np.asarray(p_data) + np.asarray(p_g)) / 2.0
    mask = np.isfinite(d_star)
    return float(np.sum(weights[mask] * np.abs(np.asarray(d)[mask] - d_star[mask])) / np.sum(weights[mask]))


def mean_under(density, values):
    """The average of `values` (on an even grid) weighted by `density`, e.g. D's average on the data."""
    density = np.asarray(density, dtype=float)
    return float(np.sum(density * np.asarray(values)) / np.sum(density))


def mlp(inputs, layer_sizes, scope, activation):
    """A fully connected net in `scope`: `activation` between layers, a linear last layer.

    The layers are `nn.ops.dense` (`dense`, `dense_1`, ...), so calling it again in the same scope
    (AUTO_REUSE) applies the same net to another input, as D is applied to real and generated x.
    """
    import tensorflow as tf
    from gan_graph.nn import ops
    tf1 = tf.compat.v1
    with tf1.variable_scope(scope, reuse=tf1.AUTO_REUSE):
        h = inputs
        for i, size in enumerate(layer_sizes):
            h = ops.dense(h, int(size))
            if i < len(layer_sizes) - 1:
                h = activation(h)
        return h


class GAN1D:
    """The graph: placeholders for x and z, G and D, their losses and Adam training ops."""

    def __init__(self, config):
        import tensorflow as tf
        tf1 = tf.compat.v1
        self.x = tf1.placeholder(tf.float32, [None, 1], name='x')
        self.z = tf1.placeholder(tf.float32, [None, 1], name='z')

        self.g = mlp(self.z, list(np.atleast_1d(config.g_hidden)) + [1], 'generator', tf.tanh)
        d_layers = list(np.atleast_1d(config.d_hidden)) + [1]
        d_logits_real = mlp(self.x, d_layers, 'discriminator', tf.tanh)
        d_logits_fake = mlp(self.g, d_layers, 'discriminator', tf.tanh)
        self.d_real = tf.sigmoid(d_logits_real)   # D(x); fed a grid of x it draws D's curve

        xent = tf.nn.sigmoid_cross_entropy_with_logits
        # D ascends log D(x) + log(1 - D(G(z))); G ascends log D(G(z)) (the paper's practical choice).
        self.d_loss = (tf.reduce_mean(xent(labels=tf.ones_like(d_logits_real), logits=d_logits_real)) +
                       tf.reduce_mean(xent(labels=tf.zeros_like(d_logits_fake), logits=d_logits_fake)))
        self.g_loss = tf.reduce_mean(xent(labels=tf.ones_like(d_logits_fake), logits=d_logits_fake))

        d_vars = tf1.trainable_variables('discriminator')
        g_vars = tf1.trainable_variables('generator')
        self.global_step = tf1.train.get_or_create_global_step()   # counts G steps
        decay = tf1.train.polynomial_decay(1.0, self.global_step, config.steps, config.final_lr_fraction)
        with tf1.variable_scope('discriminator_train'):
            self.d_train = tf1.train.AdamOptimizer(config.learning_rate * decay, beta1=0.5).minimize(
                self.d_loss, var_list=d_vars)
        with tf1.variable_scope('generator_train'):
            self.g_train = tf1.train.AdamOptimizer(config.g_learning_rate * decay, beta1=0.5).minimize(
                self.g_loss, var_list=g_vars, global_step=self.global_step)
        self.all_variables = tf1.global_variables()
        self.init_op = tf1.global_variables_initializer()
        # A fresh, untrained D (and fresh Adam state for it), G untouched.
        self.d_reset_op = tf1.variables_initializer(
            [v for v in self.all_variables if v.name.startswith(('discriminator/', 'discriminator_train/'))])


class Runner:
    """A running GAN1D: the training steps of Algorithm 1 and the measurements the figure needs."""

    def __init__(self, sess, gan, config):
        self.sess, self.gan, self.config = sess, gan, config
        self.eval_z = np.linspace(config.z_low, config.z_high, EVAL_POINTS)[:, None]
        # Callables: the same ops as sess.run, with less per-step overhead.
        self._d_train = sess.make_callable(gan.d_train, [gan.x, gan.z])
        self._g_train = sess.make_callable(gan.g_train, [gan.z])

    def sample_z(self, rng, m):
        return rng.uniform(self.config.z_low, self.config.z_high, size=(m, 1))

    def sample_data(self, rng, m):
        return rng.normal(self.config.data_mean, self.config.data_std, size=(m, 1))

    def d_step(self, rng):
        m = self.config.batch_size
        self._d_train(self.sample_data(rng, m), self.sample_z(rng, m))

    def g_step(self, rng):
        self._g_train(self.sample_z(rng, self.config.batch_size))

    def generate(self, z):
        return self.sess.run(self.gan.g, {self.gan.z: np.reshape(z, (-1, 1))}).ravel()

    def discriminate(self, x):
        return self.sess.run(self.gan.d_real, {self.gan.x: np.reshape(x, (-1, 1))}).ravel()

    def g_moments(self):
        samples = self.generate(self.eval_z)
        return float(samples.mean()), float(samples.std())

    def save(self):
        return self.sess.run(self.gan.all_variables)

    def restore(self, values):
        for variable, value in zip(self.gan.all_variables, values):
            variable.load(value, self.sess)

    def snapshot(self, label, step, x):
        cfg = self.config
        g_samples = self.generate(self.eval_z)
        p_data = normal_pdf(x, cfg.data_mean, cfg.data_std)
        p_g = kde(g_samples, x)
        d = self.discriminate(x)
        d_star = optimal_discriminator(p_data, p_g)
        z_line = np.linspace(cfg.z_low, cfg.z_high, LINE_POINTS)
        return Snapshot(label=label, step=step, x=x, p_data=p_data, p_g=p_g, d=d, d_star=d_star,
                        d_star_error=d_star_error(d, d_star, p_data, p_g), z_line=z_line,
                        g_of_z_line=self.generate(z_line), g_mean=float(g_samples.mean()),
                        g_std=float(g_samples.std()))


def session_config():
    """One thread per op and per graph: these ops are tiny, and the machine may be shared."""
    import tensorflow as tf
    return tf.compat.v1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)


def x_grid(config, extra_samples=()):
    """The x range drawn: the data's +-4 std, widened to cover the generated samples given."""
    low = config.data_mean - 4 * config.data_std
    high = config.data_mean + 4 * config.data_std
    for samples in extra_samples:
        low = min(low, np.percentile(samples, 0.5))
        high = max(high, np.percentile(samples, 99.5))
    margin = 0.05 * (high - low)
    return np.linspace(low - margin, high + margin, GRID_POINTS)


def train(config=DEFAULTS, figure_states=True):
    """Train with Algorithm 1; return the figure's snapshots (a)-(d) and the final p_g moments.

    `history` holds (G step, p_g mean, p_g std) every EVAL_EVERY steps.
    """
    import tensorflow as tf
    tf1 = tf.compat.v1
    rng = np.random.RandomState(config.seed)
    detour_rng = np.random.RandomState(config.seed + 1)
    history = []
    snapshots = {}
    with tf.Graph().as_default() as graph:
        graph.seed = config.seed
        gan = GAN1D(config)
        graph.finalize()
        with tf1.Session(config=session_config()) as sess:
            sess.run(gan.init_op)
            run = Runner(sess, gan, config)
            state_a = None
            for step in range(config.steps + 1):
                if step % EVAL_EVERY == 0 or step == config.steps:
                    mean, std = run.g_moments()
                    history.append((step, mean, std))
                    near = abs(mean - config.data_mean) < config.snapshot_gap * config.data_std
                    if figure_states and state_a is None and (near or step == config.steps):
                        state_a = step, run.save(), run.generate(run.eval_z)
                if step == config.steps:
                    break
                for _ in range(config.d_steps):
                    run.d_step(rng)
                run.g_step(rng)
            final_samples = run.generate(run.eval_z)
            final_mean, final_std = float(final_samples.mean()), float(final_samples.std())

            if figure_states:
                step_a, values_a, samples_a = state_a
                values = {'d': run.save()}
                samples = {'a': samples_a, 'd': final_samples}
                steps = {'a': step_a, 'b': step_a, 'c': step_a, 'd': config.steps}
                # The detour from (a): D steps with G fixed, then G steps with D fixed.
                run.restore(values_a)
                values['a'] = values_a
                for _ in range(config.figure_d_steps):
                    run.d_step(detour_rng)
                values['b'] = run.save()
                for _ in range(config.figure_g_steps):
                    run.g_step(detour_rng)
                values['c'] = run.save()
                samples['c'] = run.generate(run.eval_z)
                # One x grid for all four panels, wide enough for every p_g drawn.
                x = x_grid(config, samples.values())
                for label in 'abcd':
                    run.restore(values[label])
                    snapshots[label] = run.snapshot(label, steps[label], x)
    return Result(config, snapshots, final_mean, final_std, history)
