// Conversations on disk: one JSON file each, written atomically (temp file, fsync, rename), corrupt files set aside;
// list() indexes summaries by stat, skips and reports stray files, and removes only stale temp files.
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

/** A file in the folder that is not a conversation (a sync tool's copy, a folder, a link to nothing): why. */
class Stray {
  constructor(readonly reason: string) {}
}

/** What list() remembers of a file: the stat it had when its summary (or why it is no conversation) was taken. */
interface Indexed {
  mtimeMs: number;
  size: number;
  ino: number;
  summary: ConversationSummary | Stray;
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

function indexed(stat: Stats, summary: ConversationSummary | Stray): Indexed {
  return { mtimeMs: stat.mtimeMs, size: stat.size, ino: stat.ino, summary };
}

/**
 * How old a temp file must be before list() removes it as left behind by a crash. A save renames its temp file
 * within moments, but the one being renamed may be another window's (same folder), so a fresh one is left alone.
 */
export const STALE_TEMP_MS = 10 * 60_000;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class HistoryStore {
  /** Serialises writes per conversation so an older save never lands after a newer one. */
  private readonly writing = new Map<string, Promise<void>>();
  /** Summaries by file name, valid while the file keeps the stat recorded with them. */
  private readonly index = new Map<string, Indexed>();
  /** Temp files this store is writing now (names in the folder). */
  private readonly temps = new Set<string>();
  /** Stray files already reported (by name), so each is reported once while it stays. */
  private readonly reported = new Set<string>();

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
        // unique per process and write: another window saving the same conversation never shares it
        const tempName = `${conversation.id}.json.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
        const temp = join(this.dir, tempName);
        this.temps.add(tempName);
        let renamed = false;
        let stat: Stats;
        try {
          const handle = await fs.open(temp, 'w');
          try {
            await handle.writeFile(text, 'utf8');
            await handle.sync();
            stat = await handle.stat();
          } finally {
            await handle.close();
          }
          await fs.rename(temp, target);
          renamed = true;
        } finally {
          this.temps.delete(tempName);
          // a write abandoned on the way (disk full, a folder in the way): its temp file is this store's to remove
          if (!renamed) await fs.rm(temp, { force: true }).catch(() => undefined);
        }
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
   * Every readable conversation, newest first; unreadable conversation files are renamed *.corrupt and reported.
   * Other files that are no conversation (a sync tool's conflict copy, a folder, a link to nothing, a FIFO) are left
   * alone and reported once each. Only files new to the index or whose stat changed (written by another window on
   * the same folder) are read again.
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
    const strays = new Set<string>();
    for (const name of names) {
      if (name.endsWith('.tmp')) {
        await this.removeIfStale(name);
        continue;
      }
      if (!name.endsWith('.json')) continue;
      let summary: ConversationSummary | undefined;
      try {
        summary = await this.summary(name);
      } catch (e) {
        const stray = e instanceof Stray ? e : new Stray(`could not be read (${errorText(e)})`);
        strays.add(name);
        if (!this.reported.has(name)) {
          this.reported.add(name);
          this.log(`history: ${join(this.dir, name)} is skipped: ${stray.reason}`);
        }
      }
      if (!summary) continue;
      present.add(name);
      out.push({ ...summary });
    }
    for (const name of this.index.keys()) {
      if (!present.has(name) && !strays.has(name)) this.index.delete(name);
    }
    // a stray that went away is reported again should it come back
    for (const name of this.reported) if (!strays.has(name)) this.reported.delete(name);
    return out.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** Removes a temp file left behind by a write that never finished (the old file, if any, is intact). */
  private async removeIfStale(name: string): Promise<void> {
    if (this.temps.has(name)) return;
    const file = join(this.dir, name);
    try {
      const stat = await fs.lstat(file);
      if (Date.now() - stat.mtimeMs < STALE_TEMP_MS) return;
      await fs.rm(file, { force: true });
    } catch {
      // renamed meanwhile, or removed by another window: nothing to clean up
    }
  }

  async delete(id: string): Promise<void> {
    await this.writing.get(id)?.catch(() => undefined);
    await fs.rm(this.file(id), { force: true });
    this.index.delete(`${id}.json`);
  }

  /**
   * The summary of one conversation file: from the index while its stat is unchanged, else read and indexed.
   * Undefined when the file is gone (deleted meanwhile, or set aside as corrupt); throws a Stray for a file that
   * is not a conversation, and the read's error for one that cannot be read.
   */
  private async summary(name: string): Promise<ConversationSummary | undefined> {
    const id = name.slice(0, -'.json'.length);
    if (!CONVERSATION_ID.test(id)) throw new Stray('not a conversation file name');
    const file = join(this.dir, name);
    let stat: Stats;
    try {
      stat = await fs.stat(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      // gone since readdir (another window deleted it), or a symbolic link whose target is missing
      const link = await fs.lstat(file).catch(() => undefined);
      if (link?.isSymbolicLink()) throw new Stray('a link to nothing');
      return undefined;
    }
    // a folder or a FIFO (whose read would wait for a writer forever) is no conversation
    if (!stat.isFile()) throw new Stray('not a regular file');
    const entry = this.index.get(name);
    if (unchanged(entry, stat)) {
      if (entry.summary instanceof Stray) throw entry.summary;
      return entry.summary;
    }
    const c = await this.load(id);
    if (!c) {
      this.index.delete(name);
      return undefined;
    }
    // a copy of another conversation under this name would show that conversation twice
    if (c.id !== id) {
      const stray = new Stray(`holds conversation ${JSON.stringify(c.id)}, not ${JSON.stringify(id)}`);
      this.index.set(name, indexed(stat, stray)); // not read again until it changes
      throw stray;
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
