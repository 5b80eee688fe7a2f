"""Debian's headless Chromium, as a person would open a page: what it decoded, and what it showed."""
import os
import re
import shutil
import subprocess

import pytest

FLAGS = ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars')
# Injected into a copy of the page: once loaded, the body records each image's decoded width.
RECORD_WIDTHS = ('<script>window.addEventListener("load", () => document.body.setAttribute("data-widths", '
                 '[...document.images].map(img => img.complete ? img.naturalWidth : -1).join(",")));</script>')


def executable():
    """Chromium's path. Without it a local run skips the browser tests, naming the package; CI fails them,
    so CI never passes without the browser."""
    path = shutil.which('chromium') or shutil.which('chromium-browser')
    if path is None:
        missing = "the browser tests need Debian's Chromium: apt-get install chromium (.ci/run installs it)"
        if os.environ.get('CI', '').lower() in ('true', '1'):
            pytest.fail(missing)
        pytest.skip(missing)
    return path


def run(args, profile_dir, timeout=120):
    command = [executable(), *FLAGS, f'--user-data-dir={profile_dir}', *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def decoded_widths(page_path, work_dir):
    """The naturalWidth of every <img> of the page once Chromium has loaded it (0: not decoded)."""
    with open(page_path) as f:
        page = f.read()
    copy = os.path.join(work_dir, 'recorded.html')
    with open(copy, 'w') as f:
        f.write(page.replace('</body>', RECORD_WIDTHS + '</body>'))
    result = run(['--virtual-time-budget=10000', '--dump-dom', f'file://{copy}'], os.path.join(work_dir, 'profile'))
    found = re.search(r'data-widths="([-0-9,]*)"', result.stdout)
    assert found, f'Chromium did not load {copy}: {result.stderr[-2000:]}'
    return [int(width) for width in found.group(1).split(',') if width]


def screenshot(page_path, png_path, work_dir, width=1200, height=2400):
    result = run([f'--screenshot={png_path}', f'--window-size={width},{height}', f'file://{page_path}'],
                 os.path.join(work_dir, 'profile-shot'))
    assert os.path.exists(png_path), f'no screenshot of {page_path}: {result.stderr[-2000:]}'
    return png_path
