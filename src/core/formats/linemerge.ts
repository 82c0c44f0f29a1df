/**
 * A three-way line merge, for formats whose library can only print a whole document (YAML).
 *
 * `base` is the library's printing of the unedited document and `next` its printing of the edited
 * one, so base → next is exactly the edit; base → original is the printer's normalisation (comment
 * spacing, quoting, folding…). The merge replays the edit onto the original text: every line of
 * the original outside the edited lines is kept byte for byte, with its own line ending.
 *
 * Normalised original lines are only replaced by the printer's version when the edit changes
 * those lines themselves (or inserts between two of them). When an edit removes lines, comment
 * lines at the edges of the removed block are kept: the printer drops the comments it attached to
 * a removed node, even those written above the node or below its last line.
 */

/** Longest common subsequence of two line lists (Myers); `match[i]` is b's index for a[i], or -1. */
export function matchLines(a: string[], b: string[], maxD = 4000): Int32Array {
  const match = new Int32Array(a.length).fill(-1);
  let lo = 0;
  while (lo < a.length && lo < b.length && a[lo] === b[lo]) {
    match[lo] = lo;
    lo++;
  }
  let ea = a.length;
  let eb = b.length;
  while (ea > lo && eb > lo && a[ea - 1] === b[eb - 1]) {
    ea--;
    eb--;
    match[ea] = eb;
  }
  const n = ea - lo;
  const m = eb - lo;
  if (n === 0 || m === 0) return match;
  const max = Math.min(n + m, maxD);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[lo + x] === b[lo + y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  if (found < 0) return match; // too different: leave the middle unmatched
  // Walk back through the saved frontiers, recording the diagonal runs (matched lines).
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const t = trace[d]; // frontier before step d, indexed k + d + 1
    const at = (k: number) => t[k + d + 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    const startX = prevK === k + 1 ? prevX : prevX + 1;
    const startY = startX - k;
    for (let i = 0; i < x - startX; i++) match[lo + startX + i] = lo + startY + i;
    x = prevX;
    y = prevY;
  }
  for (let i = 0; i < x; i++) match[lo + i] = lo + i; // d = 0: the leading diagonal
  return match;
}

export interface Line {
  text: string;
  /** Its line ending as written ("" for a last line without one). */
  eol: string;
}

export function splitLines(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) {
      out.push({ text: text.slice(start), eol: "" });
      break;
    }
    const cr = nl > start && text[nl - 1] === "\r";
    out.push({ text: text.slice(start, cr ? nl - 1 : nl), eol: cr ? "\r\n" : "\n" });
    start = nl + 1;
  }
  return out;
}

const isCommentLine = (s: string) => /^\s*#/.test(s);
const isBlankLine = (s: string) => /^\s*$/.test(s);

/**
 * Replays base → next onto original. `eol` is used for lines that come from `next`. The result
 * keeps original's final newline, or its absence.
 */
export function merge3(original: Line[], base: string[], next: string[], eol: string): string {
  const bo = matchLines(base, original.map((l) => l.text));
  const bn = matchLines(base, next);
  const B = base.length;

  // next's new lines, by the gap of base they go into (gap g is just before base line g).
  const nb = new Int32Array(next.length).fill(-1);
  bn.forEach((k, i) => {
    if (k >= 0) nb[k] = i;
  });
  const ins: string[][] = Array.from({ length: B + 1 }, () => []);
  let pending: string[] = [];
  for (let k = 0; k < next.length; k++) {
    if (nb[k] >= 0) {
      ins[nb[k]].push(...pending);
      pending = [];
    } else pending.push(next[k]);
  }
  ins[B].push(...pending);

  // original's lines the printer does not write (normalised or dropped), by gap.
  const ob = new Int32Array(original.length).fill(-1);
  bo.forEach((j, i) => {
    if (j >= 0) ob[j] = i;
  });
  const oOnly: Line[][] = Array.from({ length: B + 1 }, () => []);
  let pendingO: Line[] = [];
  for (let j = 0; j < original.length; j++) {
    if (ob[j] >= 0) {
      oOnly[ob[j]].push(...pendingO);
      pendingO = [];
    } else pendingO.push(original[j]);
  }
  oOnly[B].push(...pendingO);

  // Which base lines survive: kept by next, or comment edges of a removed block.
  const kept = new Uint8Array(B);
  for (let i = 0; i < B; i++) kept[i] = bn[i] >= 0 ? 1 : 0;
  for (let i = 0; i < B;) {
    if (kept[i]) {
      i++;
      continue;
    }
    let e = i;
    while (e + 1 < B && !kept[e + 1]) e++;
    let core0 = i;
    while (core0 <= e && (isCommentLine(base[core0]) || isBlankLine(base[core0]))) core0++;
    if (core0 > e) {
      if (base.slice(i, e + 1).some(isCommentLine)) { for (let x = i; x <= e; x++) kept[x] = 1; }
    } else {
      let core1 = e;
      while (core1 >= core0 && (isCommentLine(base[core1]) || isBlankLine(base[core1]))) core1--;
      if (base.slice(i, core0).some(isCommentLine)) { for (let x = i; x < core0; x++) kept[x] = 1; }
      if (base.slice(core1 + 1, e + 1).some(isCommentLine)) {
        for (let x = core1 + 1; x <= e; x++) kept[x] = 1;
      }
    }
    i = e + 1;
  }

  const out: Line[] = [];
  const fromNext = (s: string) => out.push({ text: s, eol });
  const region = (lo: number, hi: number) => {
    // base lines lo..hi-1 are not in original; gaps lo..hi.
    let touched = false;
    for (let i = lo; i < hi; i++) if (!kept[i]) touched = true;
    if (hi > lo) { for (let g = lo + 1; g < hi; g++) if (ins[g].length) touched = true; }
    if (!touched) {
      if (hi > lo) {
        ins[lo].forEach(fromNext);
        out.push(...oOnly[hi]);
        ins[hi].forEach(fromNext);
      } else {
        // No base line here: new lines go first (before, say, trailing blank lines).
        ins[hi].forEach(fromNext);
        out.push(...oOnly[hi]);
      }
      return;
    }
    for (let g = lo; g <= hi; g++) {
      ins[g].forEach(fromNext);
      if (g < hi && kept[g]) fromNext(base[g]);
    }
  };
  let prev = -1;
  for (let i = 0; i < B; i++) {
    if (bo[i] < 0) continue;
    region(prev + 1, i);
    if (kept[i]) out.push(original[bo[i]]);
    prev = i;
  }
  region(prev + 1, B);

  const endsWithEol = original.length === 0 || original[original.length - 1].eol !== "";
  let text = "";
  for (let i = 0; i < out.length; i++) {
    const last = i === out.length - 1;
    const e = out[i].eol || eol;
    text += out[i].text + (last ? (endsWithEol ? e : "") : e);
  }
  return text;
}
