#!/usr/bin/env bash
# The independent loaders the format tests read labeler's exports with, each in its own virtual
# environment under .venv-loaders/<name> (git-ignored): their pins clash with labeler's and with
# each other's. The tests find each one's Python as LABELER_<NAME>_PYTHON or at
# .venv-loaders/<name>/bin/python. An environment already built for the same pins is kept.
#
#   tests/formats/loaders/setup.sh                 # all of them
#   tests/formats/loaders/setup.sh datumaro mltable
#
# Ultralytics is AGPL-3.0: it only checks the layout here, in its own environment; labeler never
# depends on it. It takes the CPU build of torch that lies on these machines' disk
# (pip install torch==2.13.0); it and torchvision (whose version it reads on import) are
# installed without their requirements, which would pull a several-GB CUDA build of torch: its
# dataset checker and loader never import torchvision.
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=.venv-loaders
mkdir -p "$root"

declare -A packages=(
  [datumaro]="datumaro==1.13.12"
  [supervision]="supervision==0.31.2"
  [labelme]="labelme==6.3.1"
  [mltable]="mltable==1.7.0 azureml-dataprep[pandas]==5.5.0"
  [ultralytics]="torch==2.13.0 | --no-deps ultralytics==8.4.190 torchvision==0.28.0 | numpy matplotlib opencv-python-headless pillow pyyaml requests psutil polars ultralytics-thop==2.2.3"
)

build() {
  local name=$1 spec=${packages[$1]}
  local venv="$root/$name" stamp
  stamp="$venv/.labeler-pins-$(printf '%s' "$spec" | sha256sum | cut -c1-16)"
  if [ -f "$stamp" ]; then
    echo "loader $name: ready ($venv)"
    return
  fi
  local started=$SECONDS
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip >/dev/null
  # Steps separated by "|" are installed one after the other (torch first, from the disk).
  local step
  IFS='|' read -ra steps <<<"$spec"
  for step in "${steps[@]}"; do
    # shellcheck disable=SC2086  # a step is a list of pip arguments
    "$venv/bin/pip" install -q --disable-pip-version-check $step 2>&1 | grep -v "^WARNING: Location" || true
    [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "loader $name: pip install $step failed" >&2; return 1; }
  done
  touch "$stamp"
  echo "loader $name: built in $((SECONDS - started)) s ($venv)"
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(datumaro supervision labelme mltable ultralytics)
for name in "${names[@]}"; do
  [ -n "${packages[$name]+x}" ] || { echo "unknown loader $name (known: ${!packages[*]})" >&2; exit 2; }
  build "$name"
done
