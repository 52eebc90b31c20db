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
  if (shared === undefined || shared.closed) shared = new AsyncRing();
  return shared;
}
