// Conversations on disk: one JSON file each, written atomically (temp file, fsync, rename), corrupt files set aside.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Conversation, ConversationSummary } from '../../protocol/panel-methods';

const ID = /^[A-Za-z0-9-]{1,64}$/;

export function summaryOf(c: Conversation): ConversationSummary {
  return { id: c.id, title: c.title, updatedAt: c.updatedAt, messageCount: c.messages.length };
}

function isConversation(x: unknown): x is Conversation {
  const c = x as Conversation;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.id === 'string' &&
    ID.test(c.id) &&
    typeof c.title === 'string' &&
    typeof c.createdAt === 'number' &&
    typeof c.updatedAt === 'number' &&
    Array.isArray(c.messages) &&
    c.messages.every(
      (m) =>
        typeof m === 'object' &&
        m !== null &&
        typeof m.id === 'string' &&
        (m.role === 'user' || m.role === 'assistant') &&
        typeof m.content === 'string',
    )
  );
}

export class HistoryStore {
  /** Serialises writes per conversation so an older save never lands after a newer one. */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(
    private readonly dir: string,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  static newId(): string {
    return randomUUID();
  }

  private file(id: string): string {
    if (!ID.test(id)) throw new Error(`not a conversation id: ${JSON.stringify(id)}`);
    return join(this.dir, `${id}.json`);
  }

  /** Writes the conversation atomically: readers see the old file or the new one, never a part. */
  async save(conversation: Conversation): Promise<void> {
    const target = this.file(conversation.id);
    const text = JSON.stringify(conversation);
    const previous = this.writing.get(conversation.id) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        await fs.mkdir(this.dir, { recursive: true });
        const temp = `${target}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
        const handle = await fs.open(temp, 'w');
        try {
          await handle.writeFile(text, 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.rename(temp, target);
      });
    this.writing.set(conversation.id, next);
    const forget = () => {
      if (this.writing.get(conversation.id) === next) this.writing.delete(conversation.id);
    };
    next.then(forget, forget);
    return next;
  }

  async load(id: string): Promise<Conversation | undefined> {
    await this.writing.get(id)?.catch(() => undefined);
    let text: string;
    try {
      text = await fs.readFile(this.file(id), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (isConversation(parsed)) return interrupted(parsed);
    } catch {
      // fall through: set the unreadable file aside
    }
    await this.setAside(id);
    return undefined;
  }

  /** Every readable conversation, newest first; unreadable files are renamed *.corrupt and reported. */
  async list(): Promise<ConversationSummary[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: ConversationSummary[] = [];
    for (const name of names) {
      if (name.endsWith('.tmp')) {
        // a write that never finished (the old file, if any, is intact)
        if (!this.writing.size) await fs.rm(join(this.dir, name), { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const c = await this.load(name.slice(0, -'.json'.length));
      if (c) out.push(summaryOf(c));
    }
    return out.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  async delete(id: string): Promise<void> {
    await this.writing.get(id)?.catch(() => undefined);
    await fs.rm(this.file(id), { force: true });
  }

  private async setAside(id: string): Promise<void> {
    const file = this.file(id);
    await fs.rename(file, `${file}.corrupt`).catch(() => undefined);
    this.log(`history: ${file} could not be read; kept as ${file}.corrupt`);
  }
}

/** An answer still marked streaming on disk was cut off (window closed, crash): show it as stopped. */
function interrupted(c: Conversation): Conversation {
  for (const m of c.messages) if (m.state === 'streaming') m.state = 'stopped';
  return c;
}
