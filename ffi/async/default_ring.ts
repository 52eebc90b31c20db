/**
 * The ring the Deno-shaped functions use when the caller names none.
 *
 * @module
 */
import { AsyncRing } from "./async_ring.ts";

let shared: AsyncRing | undefined;

/**
 * The module's own `AsyncRing`, made when first needed (and again if it was closed). It keeps
 * nothing alive while idle: a program that used it exits by itself.
 *
 * @returns the shared ring
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { defaultRing } from "./default_ring.ts";
 * assert(defaultRing() === defaultRing());
 * ```
 */
export function defaultRing(): AsyncRing {
  // coopTaskrun: completion work runs when this thread next enters the kernel rather than
  // interrupting it; serve() answers more requests per CPU second with it and the file
  // functions are unchanged.
  if (shared === undefined || shared.closed) shared = new AsyncRing({ coopTaskrun: true });
  return shared;
}
