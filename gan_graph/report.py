"""An HTML report: one self-contained file (every image embedded) a person opens in a browser.

`run_report(DIR)` for one run: its model and flags, the loss curves, the samples over the epochs and
their animation, its metrics beside the real-data reference, and the model's own figures, all drawn
by make_figures into DIR/figures/ first. `comparison_report(...)` for compare_runs.py: its figures and
metric table on one page.
"""
import base64
import html
import json
import os

from gan_graph.evaluate import evaluation
from gan_graph.figures import tutorial as figures
from gan_graph.train import files, manifest, run_dir

REPORT = 'report.html'
MIME_TYPES = {'.png': 'image/png', '.gif': 'image/gif'}
# The tutorial's figures, in the order the report shows them; the rest of figures/ is the model's own.
TUTORIAL_FIGURES = {'losses.png': 'Training losses', 'progress.png': 'Samples over the epochs',
                    'progress.gif': 'The training as an animation', 'samples_last_epoch.png': 'The last epoch',
                    'samples_from_checkpoint.png': 'From the generator checkpoint'}
STYLE = ('body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}'
         'table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}'
         'td:first-child,th:first-child{text-align:left}figure{display:inline-block;margin:0 1em 1em 0;'
         'vertical-align:top}img{max-width:100%;max-height:640px}pre{background:#f4f4f4;padding:1em;overflow-x:auto}')


def image(path):
    """An <img> holding the file itself as a data URI, captioned with its name."""
    mime = MIME_TYPES[os.path.splitext(path)[1].lower()]
    with open(path, 'rb') as f:
        data = base64.b64encode(f.read()).decode('ascii')
    name = html.escape(os.path.basename(path))
    return f'<figure><img src="data:{mime};base64,{data}" alt="{name}"><figcaption>{name}</figcaption></figure>'


def table(header, rows):
    cells = lambda row, tag: ''.join(f'<{tag}>{html.escape(str(cell))}</{tag}>' for cell in row)  # noqa: E731
    return ('<table><tr>' + cells(header, 'th') + '</tr>' + ''.join(f'<tr>{cells(row, "td")}</tr>' for row in rows)
            + '</table>')


def page(title, sections):
    """sections: (heading, HTML) pairs."""
    body = ''.join(f'<h2>{html.escape(heading)}</h2>{content}' for heading, content in sections)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>\n')


def metrics_section(run_directory, name):
    path = run_dir.path(run_directory, evaluation.METRICS_FILE)
    if not os.path.exists(path):
        return (f'<p>No {evaluation.METRICS_FILE} yet: <code>python scripts/evaluate.py '
                f'--run_dir={html.escape(run_directory)}</code> writes it.</p>')
    record = evaluation.read_metrics(path)
    header, rows = evaluation.table_rows([record], [name])
    return (table(header, rows) + f'<p>{record["num_samples"]} samples (noise seed {record["seed"]}), judged by the '
            f'MNIST CNN in data/judge/. Real data: the test images, and for the Fréchet distance '
            f'{record["reference"]["frechet_distance_num_images"]} training images against them.</p>')


def run_sections(run_directory, name, figure_paths):
    record = manifest.read(run_directory)
    flags_path = run_dir.path(run_directory, run_dir.FLAGS)
    by_name = {os.path.basename(path): path for path in figure_paths}
    sections = []
    if record:
        sections.append(('Model', table(['setting', 'value'], [('model', record['name'])] + sorted(
            (key, json.dumps(value)) for key, value in record['hparams'].items()))))
    if os.path.exists(flags_path):
        with open(flags_path) as f:
            sections.append(('Flags', f'<pre>{html.escape(f.read())}</pre>'))
    for figure, heading in TUTORIAL_FIGURES.items():
        if figure in by_name:
            sections.append((heading, image(by_name[figure])))
    sections.append(('Metrics', metrics_section(run_directory, name)))
    own = [path for path in figure_paths if os.path.basename(path) not in TUTORIAL_FIGURES]
    if own:
        sections.append(("The model's own figures", ''.join(image(path) for path in own)))
    return sections


def run_report(run_directory, seed=None, log=print):
    """Draw the run's figures, then write DIR/report.html; returns its path."""
    figure_paths = list(figures.run_figures(run_directory, seed=seed, log=log))
    name = os.path.basename(os.path.normpath(run_directory))
    path = run_dir.path(run_directory, REPORT)
    files.write_text(path, page(f'Run {name}', run_sections(run_directory, name, figure_paths)))
    return path


def comparison_report(output_dir, names, records, figure_paths):
    """compare_runs.py's page: the runs, the metric table beside the real data, and its figures."""
    runs = table(['run', 'directory', 'generator', 'epochs', 'written by'],
                 [(name, record['run_dir'], record['generator'], record['epochs'] if record['epochs'] is not None
                   else '?', record['written_by']) for name, record in zip(names, records)])
    header, rows = evaluation.table_rows(records, names)
    sections = [('Runs', runs), ('Metrics', table(header, rows)),
                ('Figures', ''.join(image(path) for path in figure_paths))]
    path = os.path.join(output_dir, REPORT)
    files.write_text(path, page('Run comparison', sections))
    return path
