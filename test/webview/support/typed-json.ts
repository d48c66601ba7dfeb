// Typed arrays in JSON fixtures: `{ $typed, data | base64 }` markers written by the recorder; revived as the webview does.
import { fromMarker, type TypedMarker } from '../../../webview/shared/typed-arrays';

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** JSON.stringify replacer: typed arrays become markers. */
export function typedReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $typed: 'Uint8Array', data: [...value] } satisfies TypedMarker;
  if (value instanceof Float32Array) {
    return {
      $typed: 'Float32Array',
      base64: toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)),
    } satisfies TypedMarker;
  }
  return value;
}

/** JSON.parse reviver: markers become typed arrays again (with the webview's own decoder). */
export function typedReviver(_key: string, value: unknown): unknown {
  return fromMarker(value) ?? value;
}
