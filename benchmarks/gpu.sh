#!/usr/bin/env bash
# Every GPU figure the benchmarks owe (Stable Diffusion 1.x's architecture at 512 px, random weights), in one call on a
# lent GPU machine whose Python already has torch, transformers and the rest, but not diffusers. Not yet run on a GPU.
#   bash benchmarks/gpu.sh wheels   # here, with PyPI reachable: this diffusers release as a Python 3.12 wheel in .whl/ (git-ignored)
#   bash benchmarks/gpu.sh run      # there, from the repository root, with .whl carried: figures into $OUT (else figures/benchmark)
# About 5-8 minutes on one H100: whole iterations (released, same-math and fast designs, peak CUDA memory of each: the 12 GB
# question), generation (32 images, 50 steps, batches of 16) and the step benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  wheels)
    grep -qxF '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
    v=$(python -c "import diffusers; print(diffusers.__version__)")
    python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
      --platform manylinux2014_x86_64 -d .whl "diffusers==$v"
    ls -la .whl ;;
  run)
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH="$PWD:/tmp/site${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
    out="${OUT:-figures/benchmark}"; mkdir -p "$out"
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
    python3 benchmarks/iteration.py --device cuda --iters 5 --warmup 1 --pool 16 --out "$out/iteration_gpu.json" 2>&1 | tee "$out/iteration_gpu.log"
    python3 benchmarks/generation.py --device cuda --worlds sd-arch --sd-pixels 512 --sd-images 32 --sd-steps 50 --batch 16 \
      --out "$out/generation_gpu.json" 2>&1 | tee "$out/generation_gpu.log"
    python3 benchmarks/bench_step.py --device cuda --latent 64 --iters 20 --out "$out/step_gpu.md" ;;
  *) echo "usage: bash benchmarks/gpu.sh wheels|run" >&2; exit 2 ;;
esac
