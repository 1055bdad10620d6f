#!/usr/bin/env bash
# The independent loaders the format tests read labeler's exports with, each in its own virtual
# environment (their pins clash with labeler's and with each other's), built side by side:
#
#   tests/formats/loaders/setup.sh                 # all of them
#   tests/formats/loaders/setup.sh datumaro mltable
#
# They go to $LABELER_LOADERS_DIR/<name> (an absolute path; default: .venv-loaders/ in the
# repository, git-ignored). The tests find each one's Python as LABELER_<NAME>_PYTHON or at
# that place. An environment already built for the same pins and Python is kept, so a second
# run takes a second; .ci/run keeps them in the user's cache so CI's fresh clones share them.
#
# Ultralytics is AGPL-3.0: it only checks the layout here, in its own environment; labeler never
# depends on it. It takes the CPU build of torch that lies on these machines' disk
# (pip install torch==2.13.0); it and torchvision (whose version it reads on import) are
# installed without their requirements, which would pull a several-GB CUDA build of torch: its
# dataset checker, loader and COCO converter never import torchvision.
set -euo pipefail
cd "$(dirname "$0")/../../.."
root="${LABELER_LOADERS_DIR:-.venv-loaders}"
mkdir -p "$root"

declare -A packages=(
  [datumaro]="datumaro==1.13.12"
  [supervision]="supervision==0.31.2"
  [labelme]="labelme==6.3.1"
  [mltable]="mltable==1.7.0 azureml-dataprep[pandas]==5.5.0"
  [ultralytics]="torch==2.13.0 | --no-deps ultralytics==8.4.190 torchvision==0.28.0 | numpy matplotlib opencv-python-headless pillow pyyaml requests psutil polars ultralytics-thop==2.2.3 onnx"
)

build() {
  local name=$1 spec=${packages[$1]}
  local venv="$root/$name" stamp step started=$SECONDS
  stamp="$venv/.labeler-pins-$(printf '%s %s' "$spec" "$(python3 --version)" | sha256sum | cut -c1-16)"
  if [ -f "$stamp" ]; then
    echo "loader $name: ready ($venv)"
    return
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  # Steps separated by "|" are installed one after the other (torch first, from the disk).
  IFS='|' read -ra steps <<<"$spec"
  for step in "${steps[@]}"; do
    # shellcheck disable=SC2086  # a step is a list of pip arguments
    "$venv/bin/pip" install -q --disable-pip-version-check $step
  done
  touch "$stamp"
  echo "loader $name: built in $((SECONDS - started)) s ($venv)"
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(datumaro supervision labelme mltable ultralytics)
started=$SECONDS
pids=()
for name in "${names[@]}"; do
  [ -n "${packages[$name]+x}" ] || { echo "unknown loader $name (known: ${!packages[*]})" >&2; exit 2; }
  # Side by side: the installs wait on the network and the disk more than on the processors.
  build "$name" >"$root/$name.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!names[@]}"; do
  if wait "${pids[$i]}"; then
    grep "^loader " "$root/${names[$i]}.log" || true
  else
    failed=1
    echo "loader ${names[$i]}: setup failed; its log:" >&2
    grep -v "^WARNING: Location" "$root/${names[$i]}.log" | tail -20 >&2
  fi
done
echo "loaders: $((SECONDS - started)) s"
exit $failed
