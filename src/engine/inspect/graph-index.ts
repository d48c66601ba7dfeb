// Lookups over a decoded ONNX graph: who makes and who reads each tensor, initializers by name, attributes.
import { halfToFloat } from '../math';
import type { OnnxGraph, OnnxNode, OnnxTensor } from './onnx-proto';

/** Ops a weight reaches a MatMul through unchanged (or transposed). */
const PASS_THROUGH = ['Cast', 'Identity', 'Transpose'];

export class GraphIndex {
  readonly producer = new Map<string, OnnxNode>();
  readonly consumers = new Map<string, OnnxNode[]>();
  readonly initializers = new Map<string, OnnxTensor>();

  constructor(readonly graph: OnnxGraph) {
    for (const t of graph.initializer) this.initializers.set(t.name, t);
    for (const n of graph.node) {
      for (const o of n.output) this.producer.set(o, n);
      for (const i of n.input) {
        const list = this.consumers.get(i) ?? [];
        list.push(n);
        this.consumers.set(i, list);
      }
    }
  }

  /**
   * Follows `name` back through the ops in `through` (ops that pass values on unchanged in order or as a transpose) for
   * up to three hops, stopping at an initializer; notes whether an odd number of Transposes was crossed.
   */
  trace(name: string, through: readonly string[] = PASS_THROUGH): { name: string; transposed: boolean } {
    let transposed = false;
    for (let hops = 0; hops < 3 && !this.initializers.has(name); hops++) {
      const p = this.producer.get(name);
      if (!p || !through.includes(p.opType) || !p.input[0]) break;
      if (p.opType === 'Transpose') transposed = !transposed;
      name = p.input[0];
    }
    return { name, transposed };
  }

  /** Follows Cast/Identity/Transpose back to an initializer, noting whether a Transpose was crossed. */
  constant(name: string): { tensor: OnnxTensor; transposed: boolean } | undefined {
    const t = this.trace(name);
    const tensor = this.initializers.get(t.name);
    return tensor ? { tensor, transposed: t.transposed } : undefined;
  }

  /** A single-value constant (initializer or Constant node, through Cast/Identity), e.g. a scale factor. */
  scalar(name: string): number | undefined {
    for (let hops = 0; hops < 4; hops++) {
      const t = this.initializers.get(name);
      const p = this.producer.get(name);
      const value = t ?? p?.attribute.find((a) => a.name === 'value' && p.opType === 'Constant')?.t;
      if (value) {
        if (value.dims.reduce((a, b) => a * b, 1) !== 1) return undefined;
        if (value.floatData.length === 1) return value.floatData[0];
        const raw = value.rawData;
        if (!raw || raw.byteLength === 0) return undefined;
        const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        if (value.dataType === 1 && raw.byteLength === 4) return view.getFloat32(0, true);
        if (value.dataType === 10 && raw.byteLength === 2) return halfToFloat(view.getUint16(0, true));
        return undefined;
      }
      if (!p || !['Cast', 'Identity'].includes(p.opType) || !p.input[0]) return undefined;
      name = p.input[0];
    }
    return undefined;
  }

  /** Nodes reading `name`'s values (a Shape node reads only its shape and is left out). */
  readers(name: string): OnnxNode[] {
    return (this.consumers.get(name) ?? []).filter((n) => n.opType !== 'Shape');
  }

  /** The only node reading `name`'s values, if exactly one does. */
  soleConsumer(name: string): OnnxNode | undefined {
    const list = this.readers(name);
    return list.length === 1 ? list[0] : undefined;
  }

  /** `name` and the outputs of the Cast/Identity nodes that read it (exporters add casts that change nothing). */
  aliases(name: string): string[] {
    const out = [name];
    for (let i = 0; i < out.length && out.length < 8; i++) {
      for (const n of this.readers(out[i] as string)) {
        if ((n.opType === 'Cast' || n.opType === 'Identity') && n.output[0]) out.push(n.output[0]);
      }
    }
    return out;
  }
}

export function attr(node: OnnxNode, name: string) {
  return node.attribute.find((a) => a.name === name);
}
