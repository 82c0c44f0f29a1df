/**
 * Reads one of the scheduler's own JSON records (the installed job, the last run). A file on disk is
 * untrusted input: it is parsed and validated whole, and anything else is one error naming the file.
 */
import type { z } from "zod";
import { NexusError } from "../model/errors.ts";
import { readTextIfExists } from "../io/fs.ts";

/** The record at `path`, validated by `schema`; null if there is none. */
export async function readRecord<T>(
  path: string,
  schema: z.ZodType<T>,
  what: string,
  hint: string,
): Promise<T | null> {
  const text = await readTextIfExists(path);
  if (text === null) return null;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const r = schema.safeParse(data);
  if (!r.success) {
    throw new NexusError("E_STATE_INVALID", `${path} is not a valid record of ${what}.`, {
      hint,
      details: { file: path },
    });
  }
  return r.data;
}
