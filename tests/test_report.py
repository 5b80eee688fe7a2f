"""report.py's page as a person sees it: Chromium loads it, decodes every image, and shows the run."""
import numpy as np
import PIL.Image
import pytest

from gan_graph import report
from gan_graph.evaluate import evaluation, judge
from conftest import run_script
from test_train import train_small
import chromium


def evaluated_run(mnist_data, run):
    train_small(mnist_data, run, epochs=3)
    with judge.load(judge.DEFAULT_JUDGE_DIR) as the_judge:
        record = evaluation.evaluate_run(str(run), 300, 4, the_judge)
    evaluation.write_metrics(str(run), record)
    return record


def test_the_report_shows_flags_losses_samples_animation_and_metrics_in_a_browser(mnist_data, tmp_path):
    run = tmp_path / 'mnist'
    record = evaluated_run(mnist_data, run)
    (run / 'flags.txt').write_text('--epochs=3\n--seed=5\n')
    result = run_script('report.py', f'--run_dir={run}')
    path = run / report.REPORT
    assert result.stdout.strip() == f'Wrote {path}'
    page = path.read_text()
    # Self-contained: every image is in the file; the metrics sit beside the real-data reference.
    assert page.count('<img src="data:image/') == 5 and 'src="http' not in page and 'src="file' not in page
    assert all(f'alt="{name}"' in page for name in report.TUTORIAL_FIGURES)
    assert '<th>real data</th>' in page and f'<td>{record["metrics"]["classifier_score"]:.3f}</td>' in page
    assert '--seed=5' in page and '<td>mlp_gan_udacity</td>' in page
    widths = chromium.decoded_widths(str(path), str(tmp_path))
    assert len(widths) == 5 and min(widths) > 0
    shot = chromium.screenshot(str(path), str(tmp_path / 'report.png'), str(tmp_path))
    pixels = np.asarray(PIL.Image.open(shot).convert('L'), dtype=np.float32)
    assert pixels.shape == (2400, 1200)
    assert pixels.std() > 20 and (pixels < 64).mean() > 0.005   # not blank: text, plots and digits drawn


def test_the_browser_check_catches_a_broken_image(tmp_path):
    """The same check fails on a page whose image data is cut short."""
    png = tmp_path / 'tiny.png'
    PIL.Image.fromarray(np.full((8, 8), 200, np.uint8)).save(png)
    good = report.image(str(png))
    broken = good.replace('base64,', 'base64,AAAA', 1)[:len(good) // 2] + '">'
    path = tmp_path / 'page.html'
    path.write_text(report.page('two images', [('good', good), ('broken', broken)]))
    assert chromium.decoded_widths(str(path), str(tmp_path)) == [8, 0]


def test_without_chromium_a_local_run_skips_naming_the_package_and_ci_fails(monkeypatch):
    monkeypatch.setattr(chromium.shutil, 'which', lambda name: None)
    monkeypatch.delenv('CI', raising=False)
    with pytest.raises(pytest.skip.Exception, match='apt-get install chromium'):
        chromium.executable()
    monkeypatch.setenv('CI', 'true')
    with pytest.raises(pytest.fail.Exception, match='apt-get install chromium'):
        chromium.executable()
