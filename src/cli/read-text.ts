// Reads the text a command works on (a file, or standard input for "-"): refuses binary files and oversized input,
// and says when the bytes are not valid UTF-8.
import { readFileSync, statSync } from 'node:fs';

/** A file that cannot be taken as the command's text (exit 1 with this one line, not the usage). */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export interface TextInput {
  text: string;
  /** Bytes of the file as stored (not of the decoded text). */
  bytes: number;
  /** Set when invalid UTF-8 was replaced by U+FFFD (offsets then count the decoded text). */
  warning?: string;
}

/** `path` ("-": standard input) as text, at most `maxBytes`. */
export function readTextInput(path: string, option: string, maxBytes: number): TextInput {
  const name = path === '-' ? 'standard input' : path;
  if (path !== '-') {
    let size: number;
    try {
      const st = statSync(path);
      if (st.isDirectory()) throw new InputError(`${option} ${path} is a folder, not a file`);
      size = st.size;
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(
        `${option} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      );
    }
    if (size > maxBytes) {
      throw new InputError(
        `${path} has ${size} bytes, more than --max-bytes ${maxBytes}; raise --max-bytes to take it all`,
      );
    }
  }
  const raw = readFileSync(path === '-' ? 0 : path);
  if (raw.byteLength > maxBytes) {
    throw new InputError(`${name} has ${raw.byteLength} bytes, more than --max-bytes ${maxBytes}`);
  }
  if (raw.subarray(0, 8192).includes(0)) {
    throw new InputError(`${name} looks binary (it holds NUL bytes): the model reads text`);
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(raw), bytes: raw.byteLength };
  } catch {
    return {
      text: new TextDecoder('utf-8').decode(raw),
      bytes: raw.byteLength,
      warning: `${name} is not valid UTF-8: its bad bytes were read as U+FFFD, and character offsets count the decoded text`,
    };
  }
}

/** The longest command line ONNX Runtime survives: onnxruntime-node 1.30 crashes (SIGSEGV) past about 28 KB. */
export const MAX_COMMAND_LINE_BYTES = 16 * 1024;
