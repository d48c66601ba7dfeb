"""Writes seeded random weights for a graph that bench_model.py exported without them (see its docstring).
Usage: python fill_weights.py MODEL_DIR   (numpy only; the index lists float32 matrices: N(0, 0.02) each)"""
import json
import sys
from pathlib import Path

import numpy as np

def main():
    model = Path(sys.argv[1])
    index = json.loads((model / "weights-index.json").read_text())
    rng = np.random.default_rng(0)
    files = {}
    for t in index:
        path = model / "onnx" / t["file"]
        if path not in files:
            files[path] = open(path, "wb")
        f = files[path]
        assert t["dtype"] == 1, f"{t['name']}: only float32 weights are left out of the graph"
        data = rng.standard_normal(t["length"] // 4, dtype=np.float32) * 0.02
        f.seek(t["offset"])
        f.write(data.tobytes())
    for f in files.values():
        f.close()
    print(f"{model}: wrote {sum(t['length'] for t in index) / 1e9:.2f} GB of weights", file=sys.stderr)


if __name__ == "__main__":
    main()
