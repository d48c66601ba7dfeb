"""Fused-attention fixture: a Llama-layout decoder written as an ONNX graph that uses ORT's GroupQueryAttention op."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def _np(t):
    return t.detach().cpu().numpy().astype(np.float32)


def build(model, path):
    """Writes model (a llama-layout model.Decoder) as a GQA graph: inputs input_ids, attention_mask, past_key_values.*."""
    cfg = model.cfg
    assert cfg["layout"] == "llama"
    H, KV, hd, L = cfg["heads"], cfg["kv_heads"], cfg["head_dim"], cfg["layers"]
    nodes, inits = [], []

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=array.dtype), name))
        return name

    def node(op, inputs, outputs=None, domain="", **attrs):
        name = f"/{op}_{len(nodes)}"
        outs = outputs or [f"{name}_output_0"]
        nodes.append(helper.make_node(op, inputs, outs, name=name, domain=domain, **attrs))
        return outs[0] if len(outs) == 1 else outs

    eps = init("eps", np.array(cfg["eps"], dtype=np.float32))
    two = init("two", np.array(2.0, dtype=np.float32))
    one_i64 = init("one_i64", np.array([1], dtype=np.int64))

    def rms(x, weight):
        ms = node("ReduceMean", [node("Pow", [x, two])], axes=[-1], keepdims=1)
        return node("Mul", [node("Div", [x, node("Sqrt", [node("Add", [ms, eps])])]), weight])

    # attention bookkeeping GroupQueryAttention expects: last valid index per row and the total length
    tokens_seen = node("ReduceSum", ["attention_mask", init("axis1", np.array([1], dtype=np.int64))], keepdims=0)
    seqlens = node("Sub", [tokens_seen, one_i64])
    seqlens_k = node("Cast", [seqlens], to=TensorProto.INT32)
    total = node("Cast", [node("Gather", [node("Shape", ["attention_mask"]), init("idx1", np.array(1, dtype=np.int64))])],
                 to=TensorProto.INT32)
    inv_freq = model.inv_freq.numpy()
    freqs = np.outer(np.arange(cfg["ctx"], dtype=np.float32), inv_freq)
    cos = init("cos_cache", np.cos(freqs).astype(np.float32))
    sin = init("sin_cache", np.sin(freqs).astype(np.float32))

    embed = init("model.embed_tokens.weight", _np(model.embed.weight))
    x = node("Gather", [embed, "input_ids"])
    for i, blk in enumerate(model.blocks):
        a = blk.attn
        h = rms(x, init(f"layers.{i}.input_layernorm.weight", _np(blk.norm1.weight)))
        q = node("MatMul", [h, init(f"layers.{i}.q_proj.weight_t", _np(a.q.weight).T)])
        k = node("MatMul", [h, init(f"layers.{i}.k_proj.weight_t", _np(a.k.weight).T)])
        v = node("MatMul", [h, init(f"layers.{i}.v_proj.weight_t", _np(a.v.weight).T)])
        att = node("GroupQueryAttention",
                   [q, k, v, f"past_key_values.{i}.key", f"past_key_values.{i}.value", seqlens_k, total, cos, sin],
                   [f"/layers.{i}/attn/GroupQueryAttention_output_0", f"present.{i}.key", f"present.{i}.value"],
                   domain="com.microsoft", num_heads=H, kv_num_heads=KV, do_rotary=1, rotary_interleaved=0)
        x = node("Add", [x, node("MatMul", [att[0], init(f"layers.{i}.o_proj.weight_t", _np(a.o.weight).T)])])
        m = blk.mlp
        h = rms(x, init(f"layers.{i}.post_attention_layernorm.weight", _np(blk.norm2.weight)))
        g = node("MatMul", [h, init(f"layers.{i}.gate_proj.weight_t", _np(m.gate.weight).T)])
        u = node("MatMul", [h, init(f"layers.{i}.up_proj.weight_t", _np(m.up.weight).T)])
        act = node("Mul", [node("Mul", [g, node("Sigmoid", [g])]), u])
        x = node("Add", [x, node("MatMul", [act, init(f"layers.{i}.down_proj.weight_t", _np(m.down.weight).T)])])
    h = rms(x, init("model.norm.weight", _np(model.norm.weight)))
    node("MatMul", [h, node("Transpose", [embed], perm=[1, 0])], ["logits"])  # tied: the embedding, stored once

    f = TensorProto.FLOAT
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
              helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "total_sequence_length"])]
    outputs = [helper.make_tensor_value_info("logits", f, ["batch_size", "sequence_length", cfg["vocab"]])]
    for i in range(L):
        for kv in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kv}", f,
                                                        ["batch_size", KV, "past_sequence_length", hd]))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{kv}", f,
                                                         ["batch_size", KV, "total_sequence_length", hd]))
    graph = helper.make_graph(nodes, "glassbox-fixture-gqa", inputs, outputs, inits)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                        helper.make_opsetid("com.microsoft", 1)])
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(onnx_model, str(path))
    return [i.name for i in inputs]
