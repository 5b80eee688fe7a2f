"""GANs in slanted land: the video tutorial's numpy toy, and the same two nets in graph mode.

Slanted land's images are 2x2 pixels flattened to 4 values in [0, 1]; its people are slanted, so a
"face" is a dark backslash diagonal: top-left and bottom-right high, the other two low.

- The discriminator is one neuron, D(x) = sigmoid(x . w + b): 4 weights and a bias.
- The generator maps a scalar z to 4 pixels, G(z) = sigmoid(z * w + b): 4 weights and 4 biases.

`train_numpy` is the tutorial itself, with its hand-derived gradients (`impl='numpy'`); `train_graph`
builds the same nets in `tf.compat.v1` graph mode and lets `tf.gradients` do the calculus
(`impl='graph'`). Fed the same initial values and the same z sequence, the two runs' logged errors
agree to ~1e-14 over the tutorial's 5000 steps: float64 throughout, rounding differences only.
"""
import collections

import numpy as np

FACES = np.array([[1.0, 0.0, 0.0, 1.0],
                  [0.9, 0.1, 0.2, 0.8],
                  [0.9, 0.2, 0.1, 0.8],
                  [0.8, 0.1, 0.2, 0.9],
                  [0.8, 0.2, 0.1, 0.9]])
SEED = 42
LEARNING_RATE = 0.01
EPOCHS = 1000
IMPLS = ('numpy', 'graph')
# How the logged discriminator error treats the fake: the tutorial feeds D the raw scalar z (which
# np.dot broadcasts into 4 separate one-pixel predictions); 'corrected' feeds it the fake G(z).
D_ERRORS = ('tutorial', 'corrected')

InitialValues = collections.namedtuple('InitialValues', 'd_weights d_bias g_weights g_biases')


class History(collections.namedtuple('History', 'd_errors g_errors d_weights d_bias g_weights g_biases '
                                                 'generated_zs generated')):
    """One training run: the errors logged at every step and the final parameters.

    `generated` holds G(z) for `generated_zs`, drawn from the run's z stream after training (as the
    tutorial's last cell does) and computed by the run's own nets.
    """


def sigmoid(x):
    # The tutorial's form; 1 / (1 + exp(-x)) is equal in exact arithmetic but not to the last bit.
    return np.exp(x) / (1.0 + np.exp(x))


def initial_values(rng):
    """Draw the initial parameters as the tutorial does: `D = Discriminator()` then `G = Generator()`.

    One scalar `rng.normal()` at a time: D's 4 weights, D's bias, G's 4 weights, G's 4 biases.
    `np.random.RandomState(seed)` draws the same stream as the tutorial's `np.random.seed(seed)`.
    """
    d_weights = np.array([rng.normal() for _ in range(4)])
    d_bias = rng.normal()
    g_weights = np.array([rng.normal() for _ in range(4)])
    g_biases = np.array([rng.normal() for _ in range(4)])
    return InitialValues(d_weights, d_bias, g_weights, g_biases)


class Discriminator:
    """D(x) = sigmoid(x . w + b); it wants 1 on a face and 0 on a fake ("noise")."""

    def __init__(self, weights, bias, learning_rate=LEARNING_RATE):
        self.weights = np.array(weights, dtype=float)
        self.bias = float(bias)
        self.learning_rate = learning_rate

    def forward(self, x):
        return sigmoid(np.dot(x, self.weights) + self.bias)

    def error_from_image(self, image):
        # We want the prediction to be 1, so the error is -log(prediction).
        return -np.log(self.forward(image))

    def derivatives_from_image(self, image):
        prediction = self.forward(image)
        derivatives_weights = -image * (1 - prediction)
        derivative_bias = -(1 - prediction)
        return derivatives_weights, derivative_bias

    def update_from_image(self, image):
        ders = self.derivatives_from_image(image)
        self.weights -= self.learning_rate * ders[0]
        self.bias -= self.learning_rate * ders[1]

    def error_from_noise(self, noise):
        # We want the prediction to be 0, so the error is -log(1 - prediction).
        return -np.log(1 - self.forward(noise))

    def derivatives_from_noise(self, noise):
        prediction = self.forward(noise)
        derivatives_weights = noise * prediction
        derivative_bias = prediction
        return derivatives_weights, derivative_bias

    def update_from_noise(self, noise):
        ders = self.derivatives_from_noise(noise)
        self.weights -= self.learning_rate * ders[0]
        self.bias -= self.learning_rate * ders[1]


class Generator:
    """G(z) = sigmoid(z * w + b); it wants the discriminator to call its output a face."""

    def __init__(self, weights, biases, learning_rate=LEARNING_RATE):
        self.weights = np.array(weights, dtype=float)
        self.biases = np.array(biases, dtype=float)
        self.learning_rate = learning_rate

    def forward(self, z):
        return sigmoid(z * self.weights + self.biases)

    def error(self, z, discriminator):
        x = self.forward(z)
        # We want the discriminator's prediction to be 1, so the error is -log(prediction).
        y = discriminator.forward(x)
        return -np.log(y)

    def derivatives(self, z, discriminator):
        # Chain rule through D: dE/dx = -(1 - y) * w_D, then through the sigmoid: x * (1 - x).
        x = self.forward(z)
        y = discriminator.forward(x)
        factor = -(1 - y) * discriminator.weights * x * (1 - x)
        derivatives_weights = factor * z
        derivative_bias = factor
        return derivatives_weights, derivative_bias

    def update(self, z, discriminator):
        ders = self.derivatives(z, discriminator)
        self.weights -= self.learning_rate * ders[0]
        self.biases -= self.learning_rate * ders[1]


def _check_d_error(d_error):
    if d_error not in D_ERRORS:
        raise ValueError(f'd_error must be one of {D_ERRORS}, got {d_error!r}')


def train_numpy(init, rng, epochs=EPOCHS, learning_rate=LEARNING_RATE, d_error='tutorial', num_generated=0):
    """The tutorial's training loop; z comes from `rng.rand()`, one per face, in order."""
    _check_d_error(d_error)
    D = Discriminator(init.d_weights, init.d_bias, learning_rate)
    G = Generator(init.g_weights, init.g_biases, learning_rate)
    errors_discriminator = []
    errors_generator = []
    for _ in range(epochs):
        for face in FACES:
            # Update the discriminator weights from the real face.
            D.update_from_image(face)
            # Pick a random number to generate a fake face.
            z = rng.rand()
            # Log the errors. The tutorial's D error feeds D the raw z, not the fake G(z): a vector
            # of 4 errors, which the builtin sum adds up with 4 copies of the error on the face.
            if d_error == 'tutorial':
                errors_discriminator.append(sum(D.error_from_image(face) + D.error_from_noise(z)))
            else:
                errors_discriminator.append(D.error_from_image(face) + D.error_from_noise(G.forward(z)))
            errors_generator.append(G.error(z, D))
            # Build a fake face, update the discriminator from it, then the generator.
            noise = G.forward(z)
            D.update_from_noise(noise)
            G.update(z, D)
    generated_zs = np.array([rng.rand() for _ in range(num_generated)])
    generated = np.array([G.forward(z) for z in generated_zs]).reshape(-1, 4)
    return History(np.array(errors_discriminator, dtype=float), np.array(errors_generator, dtype=float),
                   D.weights.copy(), D.bias, G.weights.copy(), G.biases.copy(), generated_zs, generated)


class GraphNets:
    """The same two nets in `tf.compat.v1` graph mode; build inside `with tf.Graph().as_default():`.

    Gradients come from `tf.gradients`, updates from plain gradient descent. float64 throughout, so
    the run follows the numpy tutorial to rounding error.
    """

    def __init__(self, init, learning_rate=LEARNING_RATE, d_error='tutorial'):
        import tensorflow as tf
        tf1 = tf.compat.v1
        _check_d_error(d_error)
        dtype = tf.float64
        # `image` takes a face, or a fake when D learns from noise; `z` is the generator's input.
        self.image = tf1.placeholder(dtype, [4], name='image')
        self.z = tf1.placeholder(dtype, [], name='z')

        with tf1.variable_scope('discriminator'):
            self.d_weights = tf1.get_variable('weights', initializer=tf.constant(init.d_weights, dtype))
            self.d_bias = tf1.get_variable('bias', initializer=tf.constant(init.d_bias, dtype))
        with tf1.variable_scope('generator'):
            self.g_weights = tf1.get_variable('weights', initializer=tf.constant(init.g_weights, dtype))
            self.g_biases = tf1.get_variable('biases', initializer=tf.constant(init.g_biases, dtype))
        d_vars = [self.d_weights, self.d_bias]
        g_vars = [self.g_weights, self.g_biases]

        def discriminator(x):
            # x . w for one image; a scalar x (the tutorial's raw z) gives one prediction per weight.
            return tf.sigmoid(tf.tensordot(x, self.d_weights, axes=len(x.shape)) + self.d_bias)

        def generator(z):
            return tf.sigmoid(z * self.g_weights + self.g_biases)

        prediction = discriminator(self.image)
        self.error_from_image = -tf1.log(prediction)
        self.error_from_noise = -tf1.log(1 - prediction)
        self.generated = generator(self.z)
        self.g_error = -tf1.log(discriminator(self.generated))
        noise_for_log = self.z if d_error == 'tutorial' else self.generated
        self.d_error = tf.reduce_sum(self.error_from_image - tf1.log(1 - discriminator(noise_for_log)))

        # A float64 rate: a Python float would become float32(0.01) = 0.0099999998 inside the optimizer.
        optimizer = tf1.train.GradientDescentOptimizer(tf.constant(learning_rate, dtype))

        def descend(error, variables, name):
            return optimizer.apply_gradients(zip(tf.gradients(error, variables), variables), name=name)

        self.d_train_on_image = descend(self.error_from_image, d_vars, 'd_train_on_image')
        self.d_train_on_noise = descend(self.error_from_noise, d_vars, 'd_train_on_noise')
        self.g_train = descend(self.g_error, g_vars, 'g_train')
        self.init_op = tf1.global_variables_initializer()


def train_graph(init, rng, epochs=EPOCHS, learning_rate=LEARNING_RATE, d_error='tutorial', num_generated=0):
    """`train_numpy`'s loop step for step, each step a few `Session.run` calls on `GraphNets`."""
    import tensorflow as tf
    tf1 = tf.compat.v1
    errors_discriminator = []
    errors_generator = []
    with tf.Graph().as_default():
        nets = GraphNets(init, learning_rate, d_error)
        # One thread per op and per graph: the ops are tiny, and the machine may be shared.
        session_config = tf1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
        with tf1.Session(config=session_config) as sess:
            sess.run(nets.init_op)
            # One callable per tutorial method call: the same graph ops, less per-call overhead.
            update_d_from_image = sess.make_callable(nets.d_train_on_image, [nets.image])
            log_errors_and_generate = sess.make_callable([nets.d_error, nets.g_error, nets.generated],
                                                         [nets.image, nets.z])
            update_d_from_noise = sess.make_callable(nets.d_train_on_noise, [nets.image])
            update_g = sess.make_callable(nets.g_train, [nets.z])
            for _ in range(epochs):
                for face in FACES:
                    update_d_from_image(face)
                    z = rng.rand()
                    d_err, g_err, noise = log_errors_and_generate(face, z)
                    errors_discriminator.append(d_err)
                    errors_generator.append(g_err)
                    update_d_from_noise(noise)
                    update_g(z)
            generated_zs = np.array([rng.rand() for _ in range(num_generated)])
            generated = np.array([sess.run(nets.generated, {nets.z: z}) for z in generated_zs]).reshape(-1, 4)
            d_weights, d_bias, g_weights, g_biases = sess.run(
                [nets.d_weights, nets.d_bias, nets.g_weights, nets.g_biases])
    return History(np.array(errors_discriminator, dtype=float), np.array(errors_generator, dtype=float),
                   d_weights, float(d_bias), g_weights, g_biases, generated_zs, generated)


def train(impl='numpy', seed=SEED, epochs=EPOCHS, learning_rate=LEARNING_RATE, d_error='tutorial',
          num_generated=0):
    """Seed, draw the initial values, train: the tutorial's whole training cell."""
    if impl not in IMPLS:
        raise ValueError(f'impl must be one of {IMPLS}, got {impl!r}')
    rng = np.random.RandomState(seed)
    init = initial_values(rng)
    trainer = train_numpy if impl == 'numpy' else train_graph
    return trainer(init, rng, epochs=epochs, learning_rate=learning_rate, d_error=d_error,
                   num_generated=num_generated)


def random_images(rng, count):
    """The tutorial's random noise images: 4 uniform pixels each (`generate_random_image`)."""
    return rng.rand(count, 4)
