/**
 * The D-Bus wire protocol, as much of it as the fast Secret Service read (secret_service_fast.ts)
 * needs: method calls out (little-endian), replies in (either byte order), over any byte stream.
 *
 * Everything read is untrusted (the bus, or whoever answers at the address in the environment): a
 * message that is not what the specification allows, is larger than the limits below, or does not
 * come in time is `Unsure` (the caller takes the normal path). Nothing here loops without consuming
 * bytes, recurses past a fixed depth, or allocates more than a message's declared size (itself
 * bounded); only replies to calls still awaited are kept, and a reply's wait reads a bounded number
 * of messages. tests/dbus_wire_test.ts feeds the parser random and mutated bytes.
 */

/** The fast path gives up: the caller takes the normal path. */
export class Unsure extends Error {}

/** An error reply (`org.freedesktop.Secret.Error.IsLocked: …`). */
export class BusError extends Error {
  constructor(readonly dbusName: string, message: string) {
    super(`${dbusName}: ${message}`);
  }
}

/** The largest header-field array and body we read (the specification allows 64 MiB / 128 MiB). */
export const MAX_FIELDS_BYTES = 1 << 16;
export const MAX_BODY_BYTES = 1 << 26;
/** How many messages one reply's wait reads before it gives up (the bus sends us a signal or two). */
export const MAX_MESSAGES_PER_REPLY = 1024;
/** The specification's limits: 255 bytes a signature, 32 nested arrays, 32 nested structs, 64 in all. */
const MAX_SIGNATURE = 255, MAX_DEPTH = 64;

// ---------------------------------------------------------------------------------------------
// Out: METHOD_CALL messages.

class Writer {
  bytes: number[] = [];
  align(n: number) {
    while (this.bytes.length % n) this.bytes.push(0);
  }
  u8(v: number) {
    this.bytes.push(v & 0xff);
  }
  u32(v: number) {
    this.align(4);
    this.bytes.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  setU32(at: number, v: number) {
    this.bytes.splice(at, 4, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  /** s and o (D-Bus strings hold no NUL) */
  str(s: string) {
    if (s.includes("\0")) throw new Unsure("a string with a NUL cannot be sent");
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    for (const x of b) this.bytes.push(x);
    this.bytes.push(0);
  }
  sig(s: string) {
    this.u8(s.length);
    for (let i = 0; i < s.length; i++) this.bytes.push(s.charCodeAt(i));
    this.bytes.push(0);
  }
}

export type Arg =
  | { sig: "s" | "o"; value: string }
  | { sig: "v"; inner: "ay"; value: Uint8Array }
  | { sig: "a{ss}"; value: Record<string, string> };

/** A METHOD_CALL message. */
export function methodCall(
  serial: number,
  dest: string,
  path: string,
  iface: string,
  member: string,
  args: Arg[],
): Uint8Array {
  const body = new Writer();
  for (const a of args) {
    if (a.sig === "v") {
      body.sig(a.inner);
      body.u32(a.value.length);
      for (const x of a.value) body.bytes.push(x);
    } else if (a.sig === "a{ss}") {
      body.u32(0);
      const lenAt = body.bytes.length - 4;
      body.align(8);
      const start = body.bytes.length;
      for (const [k, v] of Object.entries(a.value)) {
        body.align(8);
        body.str(k);
        body.str(v);
      }
      body.setU32(lenAt, body.bytes.length - start);
    } else body.str(a.value);
  }
  const m = new Writer();
  m.u8(0x6c); // 'l'
  m.u8(1); // METHOD_CALL
  m.u8(0);
  m.u8(1);
  m.u32(body.bytes.length);
  m.u32(serial);
  m.u32(0);
  const lenAt = m.bytes.length - 4;
  const start = m.bytes.length; // 16: already 8-aligned
  const field = (code: number, sig: string, write: () => void) => {
    m.align(8);
    m.u8(code);
    m.sig(sig);
    write();
  };
  field(1, "o", () => m.str(path));
  field(2, "s", () => m.str(iface));
  field(3, "s", () => m.str(member));
  field(6, "s", () => m.str(dest));
  const signature = args.map((a) => a.sig).join("");
  if (signature) field(8, "g", () => m.sig(signature));
  m.setU32(lenAt, m.bytes.length - start);
  m.align(8);
  return new Uint8Array([...m.bytes, ...body.bytes]);
}

// ---------------------------------------------------------------------------------------------
// In: any message, parsed strictly.

const BASIC = "ybnqiuxtdsogh";

/**
 * The single complete types of a signature (`aoao` → `ao`, `ao`), or Unsure for one the
 * specification does not allow (an empty struct `()`, a dict entry outside an array or not of a basic
 * key and one value, nesting deeper than 64, longer than 255).
 */
export function splitSignature(sig: string): string[] {
  if (typeof sig !== "string" || sig.length > MAX_SIGNATURE) throw new Unsure("bad signature");
  const out: string[] = [];
  let i = 0;
  const bad = () => new Unsure(`bad signature ${sig.slice(0, 60)}`);
  const one = (depth: number, inArray: boolean): void => {
    if (depth > MAX_DEPTH) throw bad();
    const c = sig[i++];
    if (c === "a") return one(depth + 1, true);
    if (c === "(") {
      let n = 0;
      for (; sig[i] !== ")"; n++) {
        if (i >= sig.length) throw bad();
        one(depth + 1, false);
      }
      if (n === 0) throw bad(); // "()": a struct of nothing would be read forever in an array
      i++;
    } else if (c === "{") {
      if (!inArray || !BASIC.includes(sig[i] ?? "?")) throw bad();
      i++; // the key
      one(depth + 1, false); // the value
      if (sig[i++] !== "}") throw bad();
    } else if (c === undefined || !(BASIC + "v").includes(c)) throw bad();
  };
  while (i < sig.length) {
    const s = i;
    one(0, false);
    out.push(sig.slice(s, i));
  }
  return out;
}

const ALIGN: Record<string, number> = {
  y: 1,
  g: 1,
  v: 1,
  b: 4,
  n: 2,
  q: 2,
  i: 4,
  u: 4,
  h: 4,
  s: 4,
  o: 4,
  a: 4,
  x: 8,
  t: 8,
  d: 8,
  "(": 8,
  "{": 8,
};
export type Value = string | number | boolean | Uint8Array | Value[] | { sig: string; value: Value };

class Reader {
  pos = 0;
  constructor(private view: DataView, private bytes: Uint8Array, private le: boolean, private base = 0) {}
  align(n: number) {
    this.pos += (n - ((this.pos - this.base) % n)) % n;
  }
  u32(): number {
    this.align(4);
    if (this.pos + 4 > this.bytes.length) throw new Unsure("truncated message");
    const v = this.view.getUint32(this.pos, this.le);
    this.pos += 4;
    return v;
  }
  str(len: number): string {
    if (this.pos + len + 1 > this.bytes.length) throw new Unsure("truncated message");
    if (this.bytes[this.pos + len] !== 0) throw new Unsure("a string without its NUL");
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len + 1;
    return s;
  }
  value(sig: string, depth = 0): Value {
    if (depth > MAX_DEPTH) throw new Unsure("values nested too deep");
    const c = sig[0];
    this.align(ALIGN[c] ?? 1);
    switch (c) {
      case "y":
        if (this.pos >= this.bytes.length) throw new Unsure("truncated message");
        return this.bytes[this.pos++];
      case "b": {
        const v = this.u32();
        if (v > 1) throw new Unsure("a boolean that is neither 0 nor 1");
        return v === 1;
      }
      case "u":
        return this.u32();
      case "s":
      case "o":
        return this.str(this.u32());
      case "g": {
        if (this.pos >= this.bytes.length) throw new Unsure("truncated message");
        const s = this.str(this.bytes[this.pos++]);
        splitSignature(s);
        return s;
      }
      case "v": {
        const inner = this.value("g", depth) as string;
        if (splitSignature(inner).length !== 1) throw new Unsure("bad variant");
        return { sig: inner, value: this.value(inner, depth + 1) };
      }
      case "a": {
        const len = this.u32();
        const elem = sig.slice(1);
        this.align(ALIGN[elem[0]] ?? 1);
        const end = this.pos + len;
        if (end > this.bytes.length) throw new Unsure("truncated message");
        if (elem === "y") {
          const out = this.bytes.slice(this.pos, end);
          this.pos = end;
          return out;
        }
        const out: Value[] = [];
        while (this.pos < end) {
          const at = this.pos;
          out.push(this.value(elem, depth + 1));
          if (this.pos <= at) throw new Unsure("an array element of no bytes"); // never loop in place
        }
        if (this.pos !== end) throw new Unsure("an array element overruns its array");
        return out;
      }
      case "(":
      case "{":
        return splitSignature(sig.slice(1, -1)).map((t) => this.value(t, depth + 1));
      default:
        throw new Unsure(`unexpected type ${c} in a reply`);
    }
  }
}

/**
 * The whole length of the message whose first 16 bytes are `head`: Unsure for a byte order, version
 * or size this client does not take.
 */
export function messageLength(head: Uint8Array): number {
  if (head.length < 16) throw new Unsure("truncated message");
  const le = head[0] === 0x6c;
  if (!le && head[0] !== 0x42) throw new Unsure("odd message (byte order)");
  if (head[3] !== 1) throw new Unsure("odd message (protocol version)");
  const hv = new DataView(head.buffer, head.byteOffset, 16);
  const bodyLen = hv.getUint32(4, le), fieldsLen = hv.getUint32(12, le);
  if (fieldsLen > MAX_FIELDS_BYTES || bodyLen > MAX_BODY_BYTES) throw new Unsure("message too large");
  return 16 + fieldsLen + ((8 - (fieldsLen % 8)) % 8) + bodyLen;
}

/** A reply (METHOD_RETURN, or ERROR as `error`) to call `replyTo`. */
export interface Reply {
  replyTo: number;
  error?: BusError;
  sig: string;
  values: Value[];
}

/**
 * Parses one whole message (as long as messageLength says). Null for what is not a reply to a call
 * `wanted` (signals, calls to us, replies to nothing we await: their bodies are not even read).
 */
export function parseReply(msg: Uint8Array, wanted: (serial: number) => boolean = () => true): Reply | null {
  const total = messageLength(msg);
  if (msg.length !== total) throw new Unsure("truncated message");
  const le = msg[0] === 0x6c;
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const type = msg[1];
  if (type < 1 || type > 4) throw new Unsure("odd message (type)");
  const fieldsLen = view.getUint32(12, le);
  const headerEnd = total - view.getUint32(4, le);
  for (let i = 16 + fieldsLen; i < headerEnd; i++) if (msg[i] !== 0) throw new Unsure("odd header padding");
  const r = new Reader(view, msg.subarray(0, 16 + fieldsLen), le);
  r.pos = 12;
  const fields = r.value("a(yv)") as Array<[number, { sig: string; value: Value }]>;
  const field = (code: number, sig: string) => {
    const f = fields.find((f) => f[0] === code)?.[1];
    if (f && f.sig !== sig) throw new Unsure(`odd header field ${code}`);
    return f?.value;
  };
  const replyTo = field(5, "u") as number | undefined;
  if ((type !== 2 && type !== 3) || replyTo === undefined || !wanted(replyTo)) return null;
  const sig = (field(8, "g") as string | undefined) ?? "";
  const body = new Reader(view, msg, le, headerEnd);
  body.pos = headerEnd;
  const values = splitSignature(sig).map((t) => body.value(t));
  if (body.pos !== total) throw new Unsure("a body longer than its signature");
  const error = type === 3
    ? new BusError(String(field(4, "s") ?? "error"), typeof values[0] === "string" ? values[0] : "")
    : undefined;
  return { replyTo, error, sig, values };
}

// ---------------------------------------------------------------------------------------------
// A connection.

/** A byte stream to the bus (secret_service_fast.ts: a unix socket over libc). */
export interface Transport {
  write(bytes: Uint8Array): void;
  /** Reads until `n` bytes are pending; returns them all (Unsure on end of stream, error, timeout). */
  fill(n: number): Uint8Array;
  /** The first `n` pending bytes, removed (and wiped) from the pending ones. */
  take(n: number): Uint8Array;
}

/**
 * A connection to the bus: EXTERNAL authentication, Hello, then method calls. Calls are pipelined:
 * `send` queues a call, `push` sends what is queued, `reply` sends what is still queued and reads
 * until that call's reply (replies to other calls still awaited are kept), so a batch costs one round
 * trip to the bus. The authentication
 * lines, BEGIN and Hello go out together with the first batch, as sd-bus sends them.
 */
export class Bus {
  private serial = 0;
  private queued: Uint8Array[] = [];
  private authenticated = false;
  /** Calls sent and not yet answered → their reply once read. */
  private awaited = new Map<number, Reply | undefined>();
  private hello: number;
  constructor(private io: Transport, uid: number) {
    if (!Number.isSafeInteger(uid) || uid < 0) throw new Unsure("cannot tell our uid");
    const hex = [...new TextEncoder().encode(String(uid))].map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    this.queued.push(new TextEncoder().encode(`\0AUTH EXTERNAL ${hex}\r\nBEGIN\r\n`));
    this.hello = this.send(
      "org.freedesktop.DBus",
      "/org/freedesktop/DBus",
      "org.freedesktop.DBus",
      "Hello",
      [],
    );
  }

  /** Queues a method call; returns its serial. */
  send(dest: string, path: string, iface: string, member: string, args: Arg[]): number {
    const serial = ++this.serial;
    this.queued.push(methodCall(serial, dest, path, iface, member, args));
    this.awaited.set(serial, undefined);
    return serial;
  }

  /**
   * Writes the queued calls now, without waiting for an answer: the bus (and the service behind it)
   * works on them while the caller computes something else. `reply` reads the answers.
   */
  push(): void {
    if (this.queued.length === 0) return;
    const all = new Uint8Array(this.queued.reduce((n, q) => n + q.length, 0));
    let off = 0;
    for (const q of this.queued) {
      all.set(q, off);
      off += q.length;
    }
    this.queued = [];
    this.io.write(all);
  }

  private flush(): void {
    this.push();
    if (!this.authenticated) {
      const ok = this.line();
      if (!/^OK [0-9a-fA-F]{32}$/.test(ok)) throw new Unsure(`the bus refused us: ${ok.slice(0, 60)}`);
      this.authenticated = true;
      this.reply(this.hello, "Hello", "s");
    }
  }

  /** One line of the authentication conversation (without CRLF), at most 4096 bytes. */
  private line(): string {
    for (let n = 1; n <= 4096; n++) {
      const b = this.io.fill(n);
      if (n >= 2 && b[n - 2] === 13 && b[n - 1] === 10) {
        return new TextDecoder().decode(this.io.take(n)).slice(0, -2);
      }
    }
    throw new Unsure("odd authentication reply");
  }

  /** The values of call `serial`'s reply (of type `replySig`); an error reply throws BusError. */
  reply(serial: number, member: string, replySig: string): Value[] {
    if (!this.awaited.has(serial)) throw new Unsure(`${member}: no such call awaits a reply`);
    this.flush();
    for (let read = 0;; read++) {
      const got = this.awaited.get(serial);
      if (got) {
        this.awaited.delete(serial);
        if (got.error) throw got.error;
        if (got.sig !== replySig) {
          throw new Unsure(`${member} replied with type '${got.sig}', not '${replySig}'`);
        }
        return got.values;
      }
      if (read >= MAX_MESSAGES_PER_REPLY) throw new Unsure(`no reply to ${member} among ${read} messages`);
      this.readMessage();
    }
  }

  /** Reads one message; keeps it if it is the first reply (or error) to a call still awaited. */
  private readMessage(): void {
    const total = messageLength(this.io.fill(16));
    const msg = this.io.take(total);
    try {
      const reply = parseReply(msg, (s) => this.awaited.has(s) && this.awaited.get(s) === undefined);
      if (reply) this.awaited.set(reply.replyTo, reply);
    } finally {
      msg.fill(0);
    }
  }
}
