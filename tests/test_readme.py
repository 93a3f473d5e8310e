"""The README's statute-folder sample works as written, from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT

MARKER = "<!-- statute-sample -->"


def readme_sample() -> str:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    return text.split(MARKER, 1)[1].split("```sh", 1)[1].split("```", 1)[0]


def test_the_statute_folder_sample_in_the_readme_is_loaded_and_answered(tmp_path):
    """Run the README's shell lines in an empty folder (relative paths from the shell's folder)."""
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "WEIQUAN_APP_DATA_DIR": "var"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(["bash", "-e", "-c", readme_sample()], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "《呼和浩特市预付式消费管理办法》第二条" in done.stdout
    assert "退还预收款余额" in done.stdout
