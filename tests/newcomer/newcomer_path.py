"""A new user's first five minutes, reproduced: a fresh virtualenv, the README's install command,
the README's pytest examples written verbatim into a project of their own, and ``pytest`` run there.

    python tests/newcomer/newcomer_path.py [--keep]

README.md is the source of truth: the install command is the ``sh`` block of its "In your project"
section (``/path/to/mockai`` replaced by this checkout), and the tests are its Python blocks that
define ``test_`` functions ("In your project" and "pytest").  Nothing else is installed, and the
project runs outside the checkout with a clean environment, so a package the README forgets to
install (pytest, openai) fails here as it would for a user.  Pip's own cache is used, as a user's
is.  Exits 1 with what went wrong; prints each step's time.  Stdlib only: run it with any Python
3.10+.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
INSTALL_SECTION = "## In your project"
TEST_SECTIONS = ("## In your project", "## pytest")
PLACEHOLDER = "/path/to/mockai"


class NewcomerFailure(Exception):
    """A step of the newcomer path failed; the message says which and what it printed."""


def section(text: str, heading: str) -> str:
    """The text of the README section whose heading starts with ``heading`` (up to the next ``## ``)."""
    match = re.search(rf"^{re.escape(heading)}.*?$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if match is None:
        raise NewcomerFailure(f"README.md has no section starting with {heading!r}")
    return match.group(1)


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{re.escape(language)}\n(.*?)^```", text, re.M | re.S)


def install_command(readme: str) -> list[str]:
    """The README's install command, as arguments after ``pip``, pointing at this checkout."""
    commands = [line for block in blocks(section(readme, INSTALL_SECTION), "sh") for line in block.splitlines()]
    installs = [line for line in commands if line.startswith("pip install ")]
    if len(installs) != 1:
        raise NewcomerFailure(f"expected one 'pip install' line in {INSTALL_SECTION!r}, found {installs}")
    words = shlex.split(installs[0])[1:]
    if PLACEHOLDER not in words:
        raise NewcomerFailure(f"the install command does not install {PLACEHOLDER}: {installs[0]!r}")
    return [str(ROOT) if word == PLACEHOLDER else word for word in words]


def readme_tests(readme: str) -> dict[str, str]:
    """The README's pytest examples, verbatim, one file each."""
    found = [b for heading in TEST_SECTIONS for b in blocks(section(readme, heading), "python") if "def test_" in b]
    if not found:
        raise NewcomerFailure("README.md shows no pytest example")
    return {f"test_readme_{i}.py": block for i, block in enumerate(found)}


def run(step: str, args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> str:
    started = time.monotonic()
    try:
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise NewcomerFailure(f"{step}: no answer after {timeout:.0f} s") from exc
    output = done.stdout + done.stderr
    print(f"{step}: {time.monotonic() - started:.1f} s", flush=True)
    if done.returncode != 0:
        raise NewcomerFailure(f"{step} failed (exit {done.returncode}): {shlex.join(args)}\n{output[-6000:]}")
    return output


def clean_environment(bin_dir: Path) -> dict[str, str]:
    """The environment of a user's shell with the new virtualenv activated: nothing of ours leaks in."""
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS")
    keep += ("PIP_CACHE_DIR", "PIP_TRUSTED_HOST", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def newcomer_path(work: Path) -> str:
    readme = README.read_text()
    pip_args = install_command(readme)
    files = readme_tests(readme)
    expected = sum(text.count("def test_") for text in files.values())

    started = time.monotonic()
    venv.EnvBuilder(with_pip=True).create(work / "venv")
    print(f"virtualenv: {time.monotonic() - started:.1f} s", flush=True)
    bin_dir = work / "venv" / ("Scripts" if os.name == "nt" else "bin")
    env = clean_environment(bin_dir)
    python = str(bin_dir / "python")
    run("pip install (the README's command)", [python, "-m", "pip", "install", *pip_args], work, env, 900)

    project = work / "project"
    project.mkdir()
    for name, text in files.items():
        (project / name).write_text(text)
    output = run(
        "pytest (the README's examples)", [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, env, 300
    )
    summary = output.strip().splitlines()[-1] if output.strip() else ""
    if not re.search(rf"\b{expected} passed\b", summary) or "failed" in summary or "error" in summary:
        raise NewcomerFailure(f"expected {expected} passed, got: {summary!r}\n{output[-6000:]}")
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mockai-newcomer-"))
    started = time.monotonic()
    try:
        summary = newcomer_path(work)
    except NewcomerFailure as failure:
        print(f"newcomer path FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"newcomer path OK in {time.monotonic() - started:.1f} s: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
