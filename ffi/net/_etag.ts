/**
 * `ETag`s as `@std/http` 1.1.2 makes them for files (`eTag(fileInfo)`, MIT, the Deno authors):
 * `W/"<size in hex>-<first 27 base64 characters of the digest of mtime.toJSON()>"`, so that a
 * cache sees the same tag from either server; and its `ifNoneMatch()`.
 *
 * @internal
 * @module
 */

const encoder = new TextEncoder();

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

/** The weak tag of a file's (mtime, size); undefined without an mtime. */
export async function fileETag(
  info: { mtime: Date | null; size: number },
  algorithm: AlgorithmIdentifier,
): Promise<string | undefined> {
  if (!info.mtime) return undefined;
  const digest = await crypto.subtle.digest(algorithm, encoder.encode(info.mtime.toJSON()!));
  return `W/"${info.size.toString(16)}-${base64(new Uint8Array(digest)).substring(0, 27)}"`;
}

const STAR = /^\s*\*\s*$/;
const COMMA = /\s*,\s*/;

/**
 * False when the `If-None-Match` value matches `etag` (weak comparison): the response is then
 * 304. True without a value or a tag.
 */
export function ifNoneMatch(value: string | null, etag: string | undefined): boolean {
  if (!value || !etag) return true;
  if (STAR.test(value)) return false;
  etag = etag.startsWith("W/") ? etag.slice(2) : etag;
  const tags = value.split(COMMA).map((tag) => tag.startsWith("W/") ? tag.slice(2) : tag);
  return !tags.includes(etag);
}
