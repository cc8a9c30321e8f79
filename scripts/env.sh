# Sourced by scripts/demo and scripts/test: create (once) and activate the cached virtual environment.
#
# torch from PyPI is a multi-GB download, so the environment lives outside the checkout, in the user's cache,
# keyed by the dependency lists in pyproject.toml: a fresh clone reuses it, a dependency change makes a new one.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python_bin="${PYTHON:-python3.11}"
command -v "$python_bin" >/dev/null 2>&1 || python_bin=python3
deps_hash="$(sed -n '/^dependencies = \[/,/^\[tool.setuptools\]/p' "$repo_root/pyproject.toml" | sha256sum | cut -c1-12)"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/legalsearch"

# pip relays the build backend's notices (setuptools prints an "Editable installation" notice on every editable
# install), which would bury the demo's and the tests' own output: keep pip's output in a log and show it only
# when the install fails.
quietly() {
  local log
  log="$(mktemp "${TMPDIR:-/tmp}/legalsearch-pip.XXXXXX")"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "env.sh: '$*' failed (output above)" >&2
    return 1
  fi
  rm -f "$log"
}
venv="${LEGALSEARCH_VENV:-$cache_root/venv-$deps_hash}"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  echo "Creating the environment in $venv (first run downloads torch; later runs reuse it)" >&2
  rm -rf "$venv"
  "$python_bin" -m venv "$venv"
  quietly "$venv/bin/python" -m pip install --upgrade pip setuptools wheel
  quietly "$venv/bin/python" -m pip install -e "$repo_root[test]"
  touch "$venv/.complete"
else
  # Editable install of *this* checkout (a CI clone lives elsewhere); dependencies are already there.
  quietly "$venv/bin/python" -m pip install --no-deps --no-build-isolation -e "$repo_root"
fi
export PATH="$venv/bin:$PATH"
export LEGALSEARCH_VENV="$venv"
