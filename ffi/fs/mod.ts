/**
 * The file-system layer: Deno-shaped file functions on io_uring, and batch functions beyond
 * Deno's (`copy`, `visitFiles`).
 *
 * @module
 */
export { _copyOn, copy, type CopyOptions } from "./copy.ts";
export {
  _visitFilesOn,
  type VisitFileCallback,
  visitFiles,
  type VisitFilesOptions,
} from "./visit_files.ts";
