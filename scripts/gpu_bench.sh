#!/usr/bin/env bash
# scripts/bench.py on a GPU, in one call: the systems float16 against the peers, greedy and
# beam 4, on the full-size random-weight opus-mt-ar-en architecture (issue 15).
#
# Made for a lent device machine (/work/.library/device): it starts bare, reaches no
# network and does not get ../shared, but its python3 has torch, transformers and
# sentencepiece. tarjama runs from src/ (PYTHONPATH), the ANT articles travel in
# .gpu-data/ (ignored by git), and the JSON comes back through $OUT. From a session that
# was lent a machine:
#
#     mkdir -p .gpu-data && cp -r ../shared/data/ant-news-sample/txt .gpu-data/ant-txt
#     run(command="bash scripts/gpu_bench.sh", carry=[".gpu-data"], timeout_s=600)
#
# CTranslate2 is measured when python3 can import it and sees a CUDA device (carry its
# wheel as the device README says); otherwise the transformers systems alone, and the
# JSON says ctranslate2: null. Arguments go on to bench.py (--quick, --repeats N). To try it
# anywhere else: DEVICE=cpu DATA=../shared/data/ant-news-sample/txt bash scripts/gpu_bench.sh --quick
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1
device="${DEVICE:-cuda}"
data="${DATA:-.gpu-data/ant-txt}"
out="${OUT:-/tmp/gpu-bench}"
work="${WORK:-/tmp/tarjama-gpu-bench}"
mkdir -p "$out" "$work"
python="${PYTHON:-python3}"

"$python" - <<'EOF' | tee "$out/machine.txt"
import torch, transformers
print("torch", torch.__version__, "transformers", transformers.__version__)
print("cuda", torch.cuda.is_available(), torch.cuda.get_device_name() if torch.cuda.is_available() else "")
EOF

systems=(easynmt tarjama-transformers)
if "$python" -c "import ctranslate2, sys; sys.exit(ctranslate2.get_cuda_device_count() == 0 and '$device' == 'cuda')"; then
    systems+=(ct2-loop-2x1 ct2-loop-1x2 ct2-loop-scores-2x1 tarjama-ct2)
else
    echo "CTranslate2 is not usable on $device here: the transformers systems alone" | tee -a "$out/machine.txt"
fi

if [ ! -f "$work/model/model.safetensors" ]; then
    "$python" scripts/make_tiny_model.py "$work/model" --full-size --corpus "$data" > "$out/make-model.log" 2>&1 ||
        { tail -20 "$out/make-model.log"; exit 1; }
fi
"$python" scripts/bench.py --device "$device" --data "$data" --model "$work/model" --cache-dir "$work" \
    --systems "${systems[@]}" --beams 1 4 --json "$out/bench-$device.json" "$@" 2>&1 | tee "$out/bench-$device.log"
