"""Run the real `floodbot` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def floodbot_command() -> list[str]:
    """The installed console script beside this Python, else `python -m bot` from the checkout."""
    script = Path(sys.executable).parent / "floodbot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def run_floodbot(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120):
    """Run floodbot with args in cwd; returns the CompletedProcess (text mode)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("FLOODBOT_")}
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    return subprocess.run(
        [*floodbot_command(), *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
    )
