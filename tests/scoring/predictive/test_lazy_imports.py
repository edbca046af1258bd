"""Training's heavy libraries stay out of processes that only load the URL configuration
(campaign workers, the CLI): scikit-learn, SciPy and NumPy cost ~140 MB of RSS."""

from __future__ import annotations

import os
import subprocess
import sys

from sarnakh.scoring.predictive import own_data, services


def test_given_the_services_default_age_then_it_is_own_datas():
    assert services.DEFAULT_MIN_AGE_DAYS == own_data.DEFAULT_MIN_AGE_DAYS


def test_given_a_process_that_loads_the_urls_then_no_training_library_is_imported(tmp_path):
    code = ("import django, sys; django.setup(); import sarnakh.urls; "
            "print(','.join(m for m in ('sklearn', 'scipy', 'numpy') if m in sys.modules))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sarnakh.settings", "SARNAKH_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
