// Conversations on disk: one JSON file each, written atomically (temp file, fsync, rename), corrupt files set aside;
// list() keeps an index of summaries and reads again only the files whose stat changed.
import { randomUUID } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import { join } from 'node:path';
import { CONVERSATION_ID } from '../../protocol/checks';
import type { Conversation, ConversationSummary } from '../../protocol/panel-methods';

export function summaryOf(c: Conversation): ConversationSummary {
  return { id: c.id, title: c.title, updatedAt: c.updatedAt, messageCount: c.messages.length };
}

function isConversation(x: unknown): x is Conversation {
  const c = x as Conversation;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.id === 'string' &&
    CONVERSATION_ID.test(c.id) &&
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

/** What list() remembers of a file: the stat it had when its summary was taken. */
interface Indexed {
  mtimeMs: number;
  size: number;
  ino: number;
  summary: ConversationSummary;
}

/** Whether a file still has the stat it had (a save is a rename, so a new version also has a new inode). */
function unchanged(entry: Indexed | undefined, stat: Stats): entry is Indexed {
  return (
    entry !== undefined &&
    entry.mtimeMs === stat.mtimeMs &&
    entry.size === stat.size &&
    entry.ino === stat.ino
  );
}

function indexed(stat: Stats, summary: ConversationSummary): Indexed {
  return { mtimeMs: stat.mtimeMs, size: stat.size, ino: stat.ino, summary };
}

export class HistoryStore {
  /** Serialises writes per conversation so an older save never lands after a newer one. */
  private readonly writing = new Map<string, Promise<void>>();
  /** Summaries by file name, valid while the file keeps the stat recorded with them. */
  private readonly index = new Map<string, Indexed>();

  constructor(
    private readonly dir: string,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  static newId(): string {
    return randomUUID();
  }

  private file(id: string): string {
    if (!CONVERSATION_ID.test(id)) throw new Error(`not a conversation id: ${JSON.stringify(id)}`);
    return join(this.dir, `${id}.json`);
  }

  /** Writes the conversation atomically: readers see the old file or the new one, never a part. */
  async save(conversation: Conversation): Promise<void> {
    const target = this.file(conversation.id);
    const text = JSON.stringify(conversation);
    const summary = summaryOf(conversation); // as written: the conversation may change while the write is under way
    const previous = this.writing.get(conversation.id) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        await fs.mkdir(this.dir, { recursive: true });
        const temp = `${target}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
        const handle = await fs.open(temp, 'w');
        let stat: Stats;
        try {
          await handle.writeFile(text, 'utf8');
          await handle.sync();
          stat = await handle.stat();
        } finally {
          await handle.close();
        }
        await fs.rename(temp, target);
        // the rename keeps the file's mtime, size and inode: list() need not read back what was just written
        this.index.set(`${conversation.id}.json`, indexed(stat, summary));
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

  /**
   * Every readable conversation, newest first; unreadable files are renamed *.corrupt and reported. Only files
   * new to the index or whose stat changed (written by another window on the same folder) are read again.
   */
  async list(): Promise<ConversationSummary[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.index.clear();
        return [];
      }
      throw e;
    }
    const out: ConversationSummary[] = [];
    const present = new Set<string>();
    for (const name of names) {
      if (name.endsWith('.tmp')) {
        // a write that never finished (the old file, if any, is intact)
        if (!this.writing.size) await fs.rm(join(this.dir, name), { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const summary = await this.summary(name);
      if (!summary) continue;
      present.add(name);
      out.push({ ...summary });
    }
    for (const name of this.index.keys()) if (!present.has(name)) this.index.delete(name);
    return out.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  async delete(id: string): Promise<void> {
    await this.writing.get(id)?.catch(() => undefined);
    await fs.rm(this.file(id), { force: true });
    this.index.delete(`${id}.json`);
  }

  /** The summary of one conversation file: from the index while its stat is unchanged, else read and indexed. */
  private async summary(name: string): Promise<ConversationSummary | undefined> {
    const id = name.slice(0, -'.json'.length);
    let stat: Stats;
    try {
      stat = await fs.stat(join(this.dir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const entry = this.index.get(name);
    if (unchanged(entry, stat)) return entry.summary;
    const c = await this.load(id);
    if (!c) {
      this.index.delete(name);
      return undefined;
    }
    const summary = summaryOf(c);
    // a save that landed meanwhile indexed its own, newer version: keep that one
    if (this.index.get(name) === entry) this.index.set(name, indexed(stat, summary));
    return summary;
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
