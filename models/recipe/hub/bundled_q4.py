"""The bundled model quantized as Hub q4 variants are (MatMulNBits, 4 bits, blocks of 32, accuracy level unset).

A trained model with quantized weights, so CPU int8 compute (MatMulNBits accuracy_level 4, glassbox.cpuFastMath) can be
checked on greedy tokens and held-out bits per byte against the model's own accuracy (the random-weight Hub fixtures
only show it runs). Writes models/fixtures/quantized/glassbox-tiny-q4/ (the bundled folder's JSON files, onnx/model_q4.onnx).
Run: ../work/hub-venv/bin/python bundled_q4.py   (the venv make.sh builds)
"""
import shutil
from pathlib import Path

import tempfile

import onnx
import onnxruntime as ort

from hub_fixtures import ROOT, to_q4

SRC = ROOT / "models" / "glassbox-tiny"
OUT = ROOT / "models" / "fixtures" / "quantized" / "glassbox-tiny-q4"


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    (OUT / "onnx").mkdir(parents=True)
    for name in ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(SRC / name, OUT / name)
    # the export multiplies by Transpose(weight): ORT's basic optimisations fold those into constant matrices first,
    # so the quantizer sees MatMuls with constant weights, as in an Optimum export
    with tempfile.TemporaryDirectory() as tmp:
        folded = str(Path(tmp) / "folded.onnx")
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        so.optimized_model_filepath = folded
        ort.InferenceSession(str(SRC / "onnx" / "model.onnx"), so, providers=["CPUExecutionProvider"])
        q4 = to_q4(onnx.load(folded))
    onnx.save(q4, str(OUT / "onnx" / "model_q4.onnx"))
    kinds = sorted({n.op_type for n in q4.graph.node})
    print(f"wrote {OUT}: {(OUT / 'onnx' / 'model_q4.onnx').stat().st_size} bytes, ops {kinds}")


if __name__ == "__main__":
    main()
