/**
 * The receive side of one `serve()` connection (`_http_conn.ts`): the bytes received and not used
 * yet, one receive at a time into them, and the request body's framing (a length, or chunked)
 * over them.
 *
 * @internal
 * @module
 */
import { Errno, UringError } from "../sys/mod.ts";
import { badChunk, chunkSizeLine, type ServeState } from "./_http_parts.ts";

/** A body with at least this much left to come is received in buffers of its own. */
const BIG_BODY = 32 * 1024;

/** What one connection has received and not used yet, and the body being received. */
export class HttpReceiver {
  /** Bytes received and not used yet: `pend[ps, pe)`. */
  pend: Uint8Array | null = null;
  ps = 0;
  pe = 0;
  eof = false;
  /** The body being received: bytes left (-1 chunked, 0 none), and whether it has ended. */
  bodyLeft = 0;
  bodyDone = true;
  #chunkLeft = 0;
  #chunkState = 0;
  #filling: Promise<boolean> | null = null;
  readonly #fd: number;
  readonly #st: ServeState;

  constructor(fd: number, st: ServeState) {
    this.#fd = fd;
    this.#st = st;
  }

  /** Receives more bytes into `pend`; false at end of stream. One receive at a time. */
  fill(): Promise<boolean> {
    return this.#filling ??= this.#fill();
  }

  async #fill(): Promise<boolean> {
    try {
      return await this.#fill1();
    } finally {
      this.#filling = null;
    }
  }

  async #fill1(): Promise<boolean> {
    if (this.eof) return false;
    const { io, group } = this.#st;
    let chunk: Uint8Array;
    if (this.ps === this.pe && this.bodyLeft >= BIG_BODY) {
      // a large body with a known length: receives of up to 64 KiB of its own rather than the
      // shared 16 KiB buffers, so that its stream gives as few chunks as Deno.serve's
      const own = await this.#recvOwn(Math.min(this.bodyLeft, 64 * 1024));
      if (own === null) return false;
      this.pend = own;
      this.ps = 0;
      this.pe = own.length;
      return true;
    }
    try {
      const r = await io.recvSelect(this.#fd, group);
      if (r === 0) {
        this.eof = true;
        return false;
      }
      const n = Math.floor(r / 0x10000), id = r % 0x10000;
      chunk = group.get(id, n).slice();
      group.recycle(id);
    } catch (e) {
      if (!(e instanceof UringError && e.errno === Errno.ENOBUFS)) {
        this.eof = true;
        return false;
      }
      // every shared buffer is out: this receive uses one of its own
      const own = await this.#recvOwn(16 * 1024);
      if (own === null) return false;
      chunk = own;
    }
    if (this.ps === this.pe) {
      this.pend = chunk;
      this.ps = 0;
      this.pe = chunk.length;
    } else {
      const old = this.pend!.subarray(this.ps, this.pe);
      const b = new Uint8Array(old.length + chunk.length);
      b.set(old);
      b.set(chunk, old.length);
      this.pend = b;
      this.ps = 0;
      this.pe = b.length;
    }
    return true;
  }

  /** One receive of up to `size` bytes into memory of its own; null (and `eof`) at the end. */
  async #recvOwn(size: number): Promise<Uint8Array | null> {
    const own = new Uint8Array(size);
    let n;
    try {
      n = await this.#st.io.recv(this.#fd, own);
    } catch {
      n = 0;
    }
    if (n === 0) {
      this.eof = true;
      return null;
    }
    return own.subarray(0, n);
  }

  /** Takes up to `max` pending bytes (a copy). */
  take(max: number): Uint8Array {
    const k = Math.min(max, this.pe - this.ps);
    const out = this.pend!.slice(this.ps, this.ps + k);
    this.consume(k);
    return out;
  }

  /** Marks `k` pending bytes used (the head parser and the upgraded protocol read `pend`). */
  consume(k: number): void {
    this.ps += k;
    if (this.ps === this.pe) {
      this.pend = null;
      this.ps = this.pe = 0;
    }
  }

  /**
   * {@link fill} for the connection's loop between requests, when no other receive can be in
   * flight: without `fill()`'s sharing, one async frame less per request head.
   */
  fillHead(): Promise<boolean> {
    return this.#filling ?? this.#fill1();
  }

  /** Drops the pending bytes (a connection closing reads what is left and keeps none). */
  drop(): void {
    this.pend = null;
    this.ps = this.pe = 0;
  }

  /** Starts the next request's body: `left` bytes with a length, -1 chunked, 0 none. */
  beginBody(left: number): void {
    this.bodyLeft = left;
    this.bodyDone = left === 0;
    this.#chunkState = 0;
  }

  /** The next bytes of the body (null at its end). */
  async nextBodyBytes(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.bodyDone) return null;
      if (this.bodyLeft > 0) {
        if (this.ps === this.pe && !await this.fill()) throw this.#eofError();
        const b = this.take(this.bodyLeft);
        this.bodyLeft -= b.length;
        if (this.bodyLeft === 0) this.bodyDone = true;
        return b;
      }
      const r = this.#chunked();
      if (r === undefined) {
        if (!await this.fill()) throw this.#eofError();
        continue;
      }
      if (r === null) {
        this.bodyDone = true;
        return null;
      }
      if (r.length > 0) return r;
    }
  }

  #eofError(): Error {
    this.bodyDone = true;
    return new Deno.errors.UnexpectedEof("the client closed the connection during the body");
  }

  /**
   * One step of the chunked decoder over the pending bytes: data (possibly empty), null at the
   * end of the body, undefined when more bytes are needed.
   *
   * @throws {Deno.errors.InvalidData} for malformed framing
   */
  #chunked(): Uint8Array | null | undefined {
    const b = this.pend;
    if (b === null) return undefined;
    switch (this.#chunkState) {
      case 0: { // size line: hex [; ext] CRLF
        const line = chunkSizeLine(b, this.ps, this.pe);
        if (line === undefined) return undefined;
        const size = line[0];
        this.consume(line[1] - this.ps);
        this.#chunkLeft = size;
        this.#chunkState = size === 0 ? 3 : 1;
        return new Uint8Array(0);
      }
      case 1: { // data
        if (this.ps === this.pe) return undefined;
        const d = this.take(this.#chunkLeft);
        this.#chunkLeft -= d.length;
        if (this.#chunkLeft === 0) this.#chunkState = 2;
        return d;
      }
      case 2: // CRLF after data
        if (this.pe - this.ps < 2) return undefined;
        if (b[this.ps] !== 13 || b[this.ps + 1] !== 10) throw badChunk();
        this.consume(2);
        this.#chunkState = 0;
        return new Uint8Array(0);
      default: { // trailer fields, then CRLF
        let j = this.ps;
        while (j < this.pe && b[j] !== 10) j++;
        if (j === this.pe) {
          if (j - this.ps > 8192) throw badChunk();
          return undefined;
        }
        const empty = j - this.ps === 1 && b[this.ps] === 13;
        this.consume(j + 1 - this.ps);
        return empty ? null : new Uint8Array(0);
      }
    }
  }
}
