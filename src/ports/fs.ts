/**
 * Port: the fs gateway's write side (atomic, 0600, locks). Every file a plugin writes (the age-file
 * store) goes through it, by product rule.
 */
export { allowWritesUnder, readTextIfExists, withLock, writeFileAtomic } from "../core/io/fs.ts";
