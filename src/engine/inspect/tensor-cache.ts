// A byte-budgeted least-recently-used cache for fetched inspection tensors: memory stays bounded.

export class TensorCache<V extends { byteLength: number }> {
  private readonly entries = new Map<string, V>();
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

  get(key: string): V | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      this.entries.delete(key); // re-insert: Map keeps insertion order, oldest first
      this.entries.set(key, v);
    }
    return v;
  }

  /** Stores `value` unless it alone exceeds the budget; evicts the least recently used entries to make room. */
  set(key: string, value: V): void {
    this.delete(key);
    if (value.byteLength > this.budgetBytes) return;
    while (this.bytes + value.byteLength > this.budgetBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
    this.entries.set(key, value);
    this.bytes += value.byteLength;
  }

  delete(key: string): void {
    const v = this.entries.get(key);
    if (v === undefined) return;
    this.entries.delete(key);
    this.bytes -= v.byteLength;
  }

  /** Drops every entry whose key starts with `prefix` (e.g. one inspection's tensors). */
  deletePrefix(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.delete(key);
  }

  get usedBytes(): number {
    return this.bytes;
  }
}
