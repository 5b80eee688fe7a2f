"""The benchmark: its FLOP count against the layer arithmetic, and the script's table and errors."""
import re

import numpy as np
import pytest

from gan_graph import benchmark
from gan_graph import quiet
from gan_graph.data import mnist
from gan_graph.models import dcgan, keras_dcgan, mlp_gan
from conftest import run_script


def needed_matmul_flops(batch):
    """The udacity MLP's products one iteration needs. G's layers z -> 128 -> 784, D's 784 -> 128 -> 1
    (multiply-adds per example). The notebook's G step reuses the D step's noise: G runs forward once.
    A layer's backward pass computes its weights' gradient, and its input's where a trained network lies
    below: G's first layer has no input gradient, D's first layer only in the G step, and the G step
    computes no weight gradients of D. The D step runs D on real and fake (2 * batch rows)."""
    g1, g2, d1, d2 = 100 * 128, 128 * 784, 784 * 128, 128 * 1
    generator = (g1 + g2) + (g1 + 2 * g2)             # forward once; backward: dW1, dW2 and dh
    d_step = 2 * (d1 + d2) + 2 * (d1 + 2 * d2)        # forward; backward: dW1, dW2 and dh
    g_step = (d1 + d2) + (d1 + d2)                    # forward on G(z); backward: dh and dx
    return 2 * batch * (generator + d_step + g_step)


def test_iteration_flops_count_the_matrix_products_one_iteration_runs():
    batch = 100
    with quiet.stderr_fd_silenced():
        flops = benchmark.iteration_flops(mlp_gan.describe(arch='udacity'), batch)
    matmul_flops = needed_matmul_flops(batch)
    # The profiler also counts the element-wise ops (bias, leaky ReLU, tanh): a few percent more.
    assert matmul_flops <= flops <= 1.05 * matmul_flops


def test_the_products_alone_are_the_iterations_matrix_products_with_their_shapes():
    batch = 100
    with quiet.stderr_fd_silenced():
        products = benchmark.iteration_products(mlp_gan.describe(arch='udacity'), batch)
    # The products above, each a MatMul of its own: G's output layer,
    # D's first layer on real and fake as one batch, and D's first layer on G(z) alone in the G step
    assert {product[0] for product in products} == {'MatMul'}
    shapes = [tuple(sorted(product[1])) for product in products]
    assert ((batch, 128), (128, 784)) in shapes
    assert ((2 * batch, 784), (784, 128)) in shapes and ((batch, 784), (784, 128)) in shapes
    flops = sum(product[-1] for product in products)
    assert flops == needed_matmul_flops(batch)
    with quiet.stderr_fd_silenced():
        assert benchmark.products_alone_gflops(products, repeats=2) > 0


def test_the_compiled_products_time_each_matrix_product_and_refuse_convolutions():
    with quiet.stderr_fd_silenced():
        products = benchmark.iteration_products(mlp_gan.describe(arch='udacity'), 4)
        assert benchmark.compiled_products_gflops(products, repeats=5) > 0
        with pytest.raises(ValueError, match="matrix products only; this model's iteration also runs Conv"):
            benchmark.compiled_products_gflops(benchmark.iteration_products(dcgan.describe(), 2), repeats=5)


def test_products_one_at_a_time_are_timed_once_per_distinct_product_and_counted():
    with quiet.stderr_fd_silenced():
        products = benchmark.iteration_products(dcgan.describe(), 2)
        each = benchmark.products_one_at_a_time(products, repeats=2)
    # D's second layer forward on real, on fake and in the G step, and the gradient through G's first layer
    # (a transposed convolution's input gradient is a convolution): one product timed, counted 4 times
    assert sum(count for _, count, _ in each) == len(products)
    assert len(each) == len({benchmark.product_key(product) for product in products}) < len(products)
    labels = {benchmark.product_label(product): count for product, count, _ in each}
    assert labels['Conv2D (2, 14, 14, 64) x (5, 5, 64, 128), strides 2'] == 4
    assert labels['Conv2DBackpropFilter (2, 14, 14, 64) x (5, 5, 64, 128) x (2, 7, 7, 128), strides 2'] == 3
    assert all(seconds > 0 for *_, seconds in each)
    totals = [count * seconds for _, count, seconds in each]
    assert totals == sorted(totals, reverse=True)


def test_the_breakdown_gives_each_products_rate_and_none_for_one_too_small_to_time():
    matmul = ('MatMul', [(64, 100), (100, 6272)], [None, None], {}, 80.3e6)
    lines = benchmark.breakdown_lines('dcgan', 64, [(matmul, 2, 1e-3), (matmul, 1, 0.0)], rate=200.0)
    assert lines[0] == 'dcgan, batch 64: its products one at a time, against a matmul at 200 GFLOP/s'
    # 80.3 MFLOP in 1 ms: 80 GFLOP/s, 40% of 200
    assert lines[3] == '| MatMul (64, 100) x (100, 6272) | 2 | 80.3 | 1.00 | 80 | 40% |'
    assert lines[4] == '| MatMul (64, 100) x (100, 6272) | 1 | 80.3 | 0.00 | - | - |'


def test_ratios_are_paired_by_round_and_rates_taken_against_the_matmul_rate_measured_beside_them():
    Session = benchmark.Session
    faithful = [Session(2.0, 200.0), Session(4.0, 100.0), Session(3.0, 200.0)]
    fast = [Session(1.0, 200.0), Session(2.0, 100.0), Session(2.0, 200.0)]   # a slow middle round for both
    # Per round 2x, 2x, 1.5x: the median 2x (the ratio of the medians would say 1.5x)
    assert benchmark.paired_ratio(faithful, fast) == 2.0
    # 100 GFLOP a session: 50% of 200, and 50% of 100 in the round the machine ran at half speed
    assert benchmark.percent_of_matmul(100.0, fast) == 50.0
    assert benchmark.percent_of_matmul(100.0, faithful) == 25.0   # 25%, 25%, 16.7%


@pytest.mark.slow
def test_the_script_prints_a_row_per_model_and_loop_against_the_faithful_loop():
    result = run_script('benchmark.py', '--models=mlp_udacity', '--sessions=2', '--epochs=1', '--num_batches=3',
                        '--settings=in_graph:3,fused,faithful:workers=2', '--products_one_at_a_time')
    table, products = result.stdout.split('its products one at a time, against a matmul')
    rows = [line.split('|')[1:-1] for line in table.splitlines() if line.startswith('| mlp_udacity')]
    assert [row[1].strip() for row in rows] == ['faithful', 'in_graph x3', 'fused', 'faithful, 2 workers',
                                                'its products alone', 'its products one at a time']
    rows, ceilings = rows[:-2], rows[-2:]
    for ceiling in ceilings:
        assert float(ceiling[5]) > 0 and ceiling[6].strip().endswith('%')
    # One at a time: an epoch of the products alone, run one after another
    assert float(ceilings[1][2]) > 0
    # After the table, a row per distinct product: G's output layer forward among them
    assert '| MatMul (100, 128) x (128, 784) | 1 |' in products
    assert rows[0][4].strip() == '1.00x'
    for row in rows:
        low, high = map(float, row[3].split('-'))
        assert 0 < low <= float(row[2]) <= high  # the median of the sessions lies in their range
        assert re.fullmatch(r' \d+\.\d\dx ', row[4]) and float(row[5]) > 0
    assert result.stderr == ''


@pytest.mark.parametrize('setting, message', [('in_graph:fast', "--settings: cannot read 'fast'"),
                                              ('faithful:workers=two', "--settings: cannot read 'workers=two'"),
                                              ('async', "--settings: loop must be one of ('faithful', 'fused', 'in_graph'), got 'async'")])
def test_a_bad_setting_is_named(setting, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        benchmark.parse_setting(setting)


def test_settings_are_read_and_a_bad_one_is_one_line_from_the_script():
    assert benchmark.parse_setting('in_graph:10:xla:threads=2/1:replicas=2') == benchmark.LoopSetting(
        loop='in_graph', steps_per_run=10, xla=True, intra_op_threads=2, inter_op_threads=1, replicas=2)
    result = run_script('benchmark.py', '--models=mlp_udacity', '--sessions=1', '--epochs=1', '--num_batches=2',
                        '--settings=in_graph:fast', check=False)
    assert result.returncode == 2
    assert "--settings: cannot read 'fast'" in result.stderr and 'Traceback' not in result.stderr


def test_a_setting_the_model_cannot_run_is_reported_not_raised(mnist_data):
    """--xla on the Keras DCGAN (an op without an XLA kernel): the reason in place of its timings, the
    other settings timed."""
    images = mnist_data.train.all_images[:64].reshape(-1, 28, 28, 1)
    train_set = mnist.DataSet(images, mnist_data.train.all_labels[:64], np.random.RandomState(0))
    settings = [benchmark.LoopSetting(), benchmark.LoopSetting(loop='in_graph', steps_per_run=2, xla=True)]
    with quiet.stderr_fd_silenced():
        faithful, compiled = benchmark.time_settings(keras_dcgan.describe(), train_set, settings, batch_size=8,
                                                     epochs=1, num_batches=2, sessions=2)
    assert len(faithful) == 2 and all(session.seconds > 0 and session.matmul_gflops > 0 for session in faithful)
    assert 'ResizeNearestNeighborGrad' in compiled and compiled.startswith('--xla: XLA cannot compile')
