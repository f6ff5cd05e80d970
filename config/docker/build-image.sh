#!/usr/bin/env bash
# `make docker-image`: the step image of the `docker` compute target, built with no registry.
#   1. a Debian bookworm minbase root file system from debootstrap, with Debian's python3 (3.11,
#      as the project's) and python3-venv: var/docker/rootfs-bookworm.tar, made only when missing;
#   2. `docker import`ed as graphwright-base:bookworm-<hash of that tar>;
#   3. the project and its dependencies as wheels built on the host (var/docker/wheels: PyPI is
#      reachable from the host; the dependencies are rebuilt only when pyproject.toml changes);
#   4. config/docker/Dockerfile on top, built with --network none, tagged
#      graphwright-step:<hash of the Dockerfile, the base, the dependency wheels and the sources>
#      and graphwright-step:latest. An unchanged tree reuses the image it built before.
# Prints the tag. PYTHON: the interpreter whose pip builds the wheels (the project's venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-.venv/bin/python}"
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
VAR=var/docker
REPO=graphwright-step
say() { [ -n "${QUIET:-}" ] || echo "docker-image: $*" >&2; }

config/docker/start-dockerd.sh
mkdir -p "$VAR"

# 1-2. the base image
base_tar="$VAR/rootfs-$SUITE.tar"
if [ ! -s "$base_tar" ]; then
  say "debootstrap $SUITE (minbase + python3) ..."
  rm -rf "$VAR/rootfs.tmp"
  debootstrap --variant=minbase --include=python3,python3-venv "$SUITE" "$VAR/rootfs.tmp" "$MIRROR" \
    > "$VAR/debootstrap.log" 2>&1 || { tail -n 20 "$VAR/debootstrap.log" >&2; exit 1; }
  rm -rf "$VAR/rootfs.tmp/var/cache/apt/archives/"*.deb "$VAR/rootfs.tmp/var/lib/apt/lists/"*
  tar --numeric-owner -C "$VAR/rootfs.tmp" -cf "$base_tar.tmp" .
  mv "$base_tar.tmp" "$base_tar"
  rm -rf "$VAR/rootfs.tmp"
fi
base_tag="graphwright-base:$SUITE-$(sha256sum "$base_tar" | cut -c1-16)"
if ! docker image inspect "$base_tag" >/dev/null 2>&1; then
  say "docker import $base_tag"
  docker import "$base_tar" "$base_tag" >/dev/null
fi

# 3. the dependencies' wheels, at the versions of the project's venv (so a step computes the same
#    in a container as on `local`), rebuilt when pyproject.toml or the venv changed
wheels="$VAR/wheels"
"$PYTHON" -m pip freeze --quiet --disable-pip-version-check --exclude-editable 2>/dev/null \
  | grep -v -e '^-e ' -e '^graphwright' > "$VAR/constraints.txt" || true
deps_stamp="$wheels/.deps-$(cat pyproject.toml "$VAR/constraints.txt" | sha256sum | cut -c1-16)"
if [ ! -f "$deps_stamp" ]; then
  say "pip wheel of the dependencies ..."
  rm -rf "$wheels" && mkdir -p "$wheels"
  # the requirements of the project, not the project itself (its wheel is made below)
  "$PYTHON" - > "$VAR/requirements.txt" <<'PY'
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))
# what the image's python (Debian's 3.11.2) needs beyond the host's: redis wants it below 3.11.3
print("async-timeout>=4.0.3")
PY
  "$PYTHON" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$wheels" -r "$VAR/requirements.txt" \
    -c "$VAR/constraints.txt" 2>&1 | { grep -v "^WARNING: Location 'file:" || true; } >&2
  touch "$deps_stamp"
fi

# 4. the step image, named by what it is made of
sources=(pyproject.toml config designer engine modules_catalog)
src_hash=$(tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --exclude=__pycache__ \
  --exclude='*.pyc' -cf - "${sources[@]}" | sha256sum | cut -c1-64)
tag="$REPO:$( { cat config/docker/Dockerfile; echo "$base_tag"; ls "$wheels"; echo "$src_hash"; } | sha256sum | cut -c1-16)"
if ! docker image inspect "$tag" >/dev/null 2>&1; then
  say "building $tag ..."
  ctx="$VAR/context"
  rm -rf "$ctx" && mkdir -p "$ctx/wheels" "$ctx/project" "$ctx/src"
  # the project's wheel from a copy of its sources (a build in the tree would leave build/ there)
  tar --exclude=__pycache__ --exclude='*.pyc' -cf - "${sources[@]}" | tar -xf - -C "$ctx/src"
  "$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$ctx/project" "$ctx/src" 2>&1 \
    | { grep -v "^WARNING: Location 'file:" || true; } >&2
  rm -rf "$ctx/src"
  ln "$wheels"/*.whl "$ctx/wheels/" 2>/dev/null || cp "$wheels"/*.whl "$ctx/wheels/"
  # the same bytes every time (the build cache compares them): the requirements, sorted
  sort "$VAR/requirements.txt" > "$ctx/wheels/requirements.txt"
  cp config/docker/Dockerfile "$ctx/Dockerfile"
  # the classic builder (docker.io has no buildx); its deprecation notice is shown only on failure
  DOCKER_BUILDKIT=0 docker build --quiet --network none --build-arg "BASE=$base_tag" -t "$tag" "$ctx" \
    >/dev/null 2>"$VAR/build.log" || { cat "$VAR/build.log" >&2; exit 1; }
  rm -rf "$ctx"
fi
docker tag "$tag" "$REPO:latest"
# older step images of this repository go (1 GB each); one a container still uses stays
for old in $(docker image ls --format '{{.Repository}}:{{.Tag}}' "$REPO" | grep -v -e ":latest$" -e "^$tag$" || true); do
  docker rmi "$old" >/dev/null 2>&1 || true
done
echo "$tag"
