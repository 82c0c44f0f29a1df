/**
 * Linux: a read-only fast path to the Secret Service, for the launcher (`mcp-nexus run`, through
 * launch_store.ts) and the libsecret backend's `get`.
 *
 * The normal path (@napi-rs/keyring, keyring_store.ts) costs ~40 ms of start-up before its first
 * D-Bus call: a CommonJS npm package with a native addon. Every AI-client start of a server that
 * refers to a secret pays it. Here the same lookup is made in a few hundred bytes of D-Bus wire
 * protocol over the session bus's unix socket (libc's socket/connect/read/write over FFI: Deno's
 * own unix sockets need the `net` permission, which `run` drops; libgio or libsecret over FFI cost
 * 8–20 ms to load and bind, and libsecret's encrypted session more), with the calls keyring-rs makes: `SearchItems` with the attributes it
 * stores (`service` = our keychain service, `username` = the secret name), the encrypted session
 * keyring-rs opens (`dh-ietf1024-sha256-aes128-cbc-pkcs7`, with WebCrypto) and `Item.GetSecret`.
 *
 * It answers only what it is sure of, and says so in `kind`:
 * - `found`: exactly one matching item, unlocked, read.
 * - `missing`: no matching item in any collection, and the default collection is unlocked (the
 *   check the normal path makes before it says "absent").
 * - `locked`: the matching item is in a locked collection, or nothing matched and the default
 *   collection is locked. Never reported as missing.
 * - `unavailable`: no session bus, or no Secret Service on it (the normal path explains which, and
 *   where it looked).
 * - `fallback`: libc cannot be loaded, the bus address is of a kind not handled here, the bus
 *   refuses us, several items match, an odd reply, a timeout, any other error.
 * The caller takes the normal path for the last two, so a surprise here costs time, never a wrong
 * answer. Nothing here writes to the keychain, prompts, or starts a bus (`autolaunch:` is refused).
 * A musl system (no libc.so.6) takes the normal path; macOS and Windows never come here.
 */

export type FastRead =
  | { kind: "found"; value: string }
  | { kind: "missing" }
  | { kind: "locked" }
  | { kind: "unavailable"; reason: string }
  | { kind: "fallback"; reason: string };

/** The item attributes keyring-rs (@napi-rs/keyring) stores and searches by, on the Secret Service. */
export function itemAttributes(service: string, name: string): Record<string, string> {
  return { service, username: name };
}

// ---------------------------------------------------------------------------------------------
// The socket: libc over FFI (blocking calls with a timeout; nothing else is going on at start-up).

const LIBC_SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
} as const;
type Libc = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

const LIBC = "libc.so.6";
/** A library name that does not exist, loaded instead of libc under the test switch below. */
const MISSING_LIBC = "libc.so.6-mcp-nexus-test-missing";

/**
 * The C library to load. Tests prove the fallback with MCP_NEXUS_TEST_FAST_LIBC=missing, which
 * loads a library that does not exist (never a path the variable names). Honoured only as the fault
 * switch of fs.ts is: HOME is under /tmp and holds a file `.mcp-nexus-test-fast-libc` whose content
 * is exactly the variable's value.
 */
function libraryName(): string {
  try {
    const value = Deno.env.get("MCP_NEXUS_TEST_FAST_LIBC");
    const home = Deno.env.get("HOME");
    if (value !== "missing" || !home) return LIBC;
    const real = Deno.realPathSync(home);
    if (!real.startsWith("/tmp/")) return LIBC;
    const marker = `${real}/.mcp-nexus-test-fast-libc`;
    if (!Deno.lstatSync(marker).isFile || Deno.readTextFileSync(marker) !== value) return LIBC;
    return MISSING_LIBC;
  } catch {
    return LIBC;
  }
}

let libcCache: Libc | string | undefined;
function libc(): Libc | string {
  if (libcCache !== undefined) return libcCache;
  const name = libraryName();
  try {
    libcCache = Deno.dlopen(name, LIBC_SYMBOLS).symbols;
  } catch (err) {
    libcCache = `cannot load ${name}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return libcCache;
}

/** Why the fast path gives up: the caller takes the normal path. */
class Unsure extends Error {}
/** The bus or the Secret Service is not there: the caller takes the normal path, which explains. */
class Unreachable extends Error {}
/** An error reply (`org.freedesktop.Secret.Error.IsLocked: …`). */
class BusError extends Error {
  constructor(readonly dbusName: string, message: string) {
    super(`${dbusName}: ${message}`);
  }
}

const AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1, SO_RCVTIMEO = 20, SO_SNDTIMEO = 21;
const TIMEOUT_S = 10;

/** The unix socket addresses in a D-Bus address (`unix:path=…` or `unix:abstract=…`), in order. */
export function busSockets(address: string): Array<{ path: string; abstract: boolean }> {
  const out: Array<{ path: string; abstract: boolean }> = [];
  for (const entry of address.split(";")) {
    if (!entry.startsWith("unix:")) continue;
    const keys = new Map<string, string>();
    for (const kv of entry.slice(5).split(",")) {
      const i = kv.indexOf("=");
      if (i <= 0) continue;
      try {
        keys.set(kv.slice(0, i), decodeURIComponent(kv.slice(i + 1)));
      } catch {
        // a bad escape: not an address we can use
      }
    }
    const path = keys.get("path"), abstract = keys.get("abstract");
    if (path) out.push({ path, abstract: false });
    else if (abstract) out.push({ path: abstract, abstract: true });
  }
  return out;
}

class Socket {
  private fd: number;
  private pending = new Uint8Array(0);
  constructor(private c: Libc, target: { path: string; abstract: boolean }) {
    const name = new TextEncoder().encode(target.path);
    const len = 2 + (target.abstract ? 1 : 0) + name.length + (target.abstract ? 0 : 1);
    if (len > 110) throw new Unsure("the bus socket path is too long");
    const addr = new Uint8Array(110);
    new Uint16Array(addr.buffer, 0, 1)[0] = AF_UNIX; // sa_family_t, host order
    addr.set(name, target.abstract ? 3 : 2);
    this.fd = c.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (this.fd < 0) throw new Unsure("socket() failed");
    const tv = new BigInt64Array([BigInt(TIMEOUT_S), 0n]);
    const tvBytes = new Uint8Array(tv.buffer);
    c.setsockopt(this.fd, SOL_SOCKET, SO_RCVTIMEO, tvBytes, tvBytes.length);
    c.setsockopt(this.fd, SOL_SOCKET, SO_SNDTIMEO, tvBytes, tvBytes.length);
    if (c.connect(this.fd, addr, len) !== 0) {
      this.close();
      throw new Unreachable(`cannot connect to the session bus at ${target.path}`);
    }
  }
  write(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) {
      const n = Number(this.c.write(this.fd, bytes.subarray(off), BigInt(bytes.length - off)));
      if (n <= 0) throw new Unsure("the session bus closed the connection (write)");
      off += n;
    }
  }
  /** Reads until `n` bytes are pending. */
  fill(n: number): Uint8Array {
    while (this.pending.length < n) {
      const buf = new Uint8Array(Math.max(4096, n - this.pending.length));
      const got = Number(this.c.read(this.fd, buf, BigInt(buf.length)));
      if (got <= 0) {
        throw new Unsure(got === 0 ? "the session bus closed the connection" : "read failed or timed out");
      }
      const joined = new Uint8Array(this.pending.length + got);
      joined.set(this.pending);
      joined.set(buf.subarray(0, got), this.pending.length);
      buf.fill(0);
      this.pending.fill(0);
      this.pending = joined;
    }
    return this.pending;
  }
  take(n: number): Uint8Array {
    const out = this.fill(n).slice(0, n);
    const old = this.pending;
    this.pending = old.slice(n);
    old.fill(0); // it held secret bytes
    return out;
  }
  /** One line of the authentication conversation (without CRLF). */
  line(): string {
    for (let n = 1;; n++) {
      const b = this.fill(n);
      if (n >= 2 && b[n - 2] === 13 && b[n - 1] === 10) {
        return new TextDecoder().decode(this.take(n)).slice(0, -2);
      }
      if (n > 4096) throw new Unsure("odd authentication reply");
    }
  }
  close(): void {
    if (this.fd >= 0) this.c.close(this.fd);
    this.fd = -1;
    this.pending.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------
// The D-Bus wire format (little-endian out; either byte order in).

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
  /** s and o */
  str(s: string) {
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

type Arg =
  | { sig: "s" | "o"; value: string }
  | { sig: "v"; inner: "ay"; value: Uint8Array }
  | { sig: "a{ss}"; value: Record<string, string> };

/** A METHOD_CALL message. */
function methodCall(
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

/** The single complete types of a signature (`aoao` → `ao`, `ao`). */
function splitSignature(sig: string): string[] {
  const out: string[] = [];
  let i = 0;
  const one = (): void => {
    const c = sig[i++];
    if (c === "a") return one();
    if (c === "(" || c === "{") {
      const close = c === "(" ? ")" : "}";
      while (sig[i] !== close) {
        if (i >= sig.length) throw new Unsure(`bad signature ${sig}`);
        one();
      }
      i++;
    } else if (c === undefined || !"ybnqiuxtdsogvh".includes(c)) throw new Unsure(`bad signature ${sig}`);
  };
  while (i < sig.length) {
    const s = i;
    one();
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
type Value = string | number | boolean | Uint8Array | Value[] | { sig: string; value: Value };

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
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len + 1;
    return s;
  }
  value(sig: string): Value {
    const c = sig[0];
    this.align(ALIGN[c] ?? 1);
    switch (c) {
      case "y":
        if (this.pos >= this.bytes.length) throw new Unsure("truncated message");
        return this.bytes[this.pos++];
      case "b":
        return this.u32() !== 0;
      case "u":
        return this.u32();
      case "s":
      case "o":
        return this.str(this.u32());
      case "g": {
        if (this.pos >= this.bytes.length) throw new Unsure("truncated message");
        return this.str(this.bytes[this.pos++]);
      }
      case "v": {
        const inner = this.value("g") as string;
        if (splitSignature(inner).length !== 1) throw new Unsure("bad variant");
        return { sig: inner, value: this.value(inner) };
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
        while (this.pos < end) out.push(this.value(elem));
        return out;
      }
      case "(":
      case "{":
        return splitSignature(sig.slice(1, -1)).map((t) => this.value(t));
      default:
        throw new Unsure(`unexpected type ${c} in a reply`);
    }
  }
}

/**
 * A connection to the bus: EXTERNAL authentication, Hello, then method calls. Calls are pipelined:
 * `send` queues a call, `reply` sends what is queued and reads until that call's reply (replies to
 * other calls are kept), so a batch costs one round trip to the bus. The authentication lines, BEGIN
 * and Hello go out together with the first batch, as sd-bus sends them.
 */
class Bus {
  private serial = 0;
  private queued: Uint8Array[] = [];
  private authenticated = false;
  private replies = new Map<number, { error?: BusError; sig: string; values: Value[] }>();
  private hello: number;
  constructor(private sock: Socket) {
    let uid: number;
    try {
      uid = Deno.uid() ?? -1;
    } catch {
      throw new Unsure("cannot tell our uid");
    }
    if (uid < 0) throw new Unsure("cannot tell our uid");
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
    return serial;
  }

  private flush(): void {
    if (this.queued.length === 0) return;
    const all = new Uint8Array(this.queued.reduce((n, q) => n + q.length, 0));
    let off = 0;
    for (const q of this.queued) {
      all.set(q, off);
      off += q.length;
    }
    this.queued = [];
    this.sock.write(all);
    if (!this.authenticated) {
      const ok = this.sock.line();
      if (!ok.startsWith("OK ")) throw new Unsure(`the bus refused us: ${ok.slice(0, 60)}`);
      this.authenticated = true;
      this.reply(this.hello, "Hello", "s");
    }
  }

  /** The values of call `serial`'s reply (of type `replySig`); an error reply throws BusError. */
  reply(serial: number, member: string, replySig: string): Value[] {
    this.flush();
    for (;;) {
      const got = this.replies.get(serial);
      if (got) {
        this.replies.delete(serial);
        if (got.error) throw got.error;
        if (got.sig !== replySig) {
          throw new Unsure(`${member} replied with type '${got.sig}', not '${replySig}'`);
        }
        return got.values;
      }
      this.readMessage();
    }
  }

  /** Reads one message; keeps it if it is a reply (or error) to one of our calls. */
  private readMessage(): void {
    const head = this.sock.fill(16);
    const le = head[0] === 0x6c;
    if (!le && head[0] !== 0x42) throw new Unsure("odd message");
    const hv = new DataView(head.buffer, head.byteOffset, 16);
    const bodyLen = hv.getUint32(4, le), fieldsLen = hv.getUint32(12, le);
    if (fieldsLen > 1 << 16 || bodyLen > 1 << 26) throw new Unsure("message too large");
    const headerEnd = 16 + fieldsLen + ((8 - (fieldsLen % 8)) % 8);
    const total = headerEnd + bodyLen;
    const msg = this.sock.take(total);
    try {
      const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
      const type = msg[1];
      const r = new Reader(view, msg.subarray(0, 16 + fieldsLen), le);
      r.pos = 12;
      const fields = r.value("a(yv)") as Array<[number, { sig: string; value: Value }]>;
      const field = (code: number) => fields.find((f) => f[0] === code)?.[1].value;
      const replyTo = field(5);
      if ((type !== 2 && type !== 3) || typeof replyTo !== "number") return; // a signal
      const sig = (field(8) as string | undefined) ?? "";
      const body = new Reader(view, msg.subarray(0, total), le, headerEnd);
      body.pos = headerEnd;
      const values = splitSignature(sig).map((t) => body.value(t));
      const error = type === 3
        ? new BusError(String(field(4) ?? "error"), typeof values[0] === "string" ? values[0] : "")
        : undefined;
      this.replies.set(replyTo, { error, sig, values });
    } finally {
      msg.fill(0);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The encrypted session, as libsecret and keyring-rs open it: "dh-ietf1024-sha256-aes128-cbc-pkcs7"
// (Diffie-Hellman in the 1024-bit MODP group of RFC 2409, HKDF-SHA256 of the shared secret without
// salt or info to an AES-128 key, AES-CBC with PKCS#7 padding; the IV comes with each secret).

const DH_ALGORITHM = "dh-ietf1024-sha256-aes128-cbc-pkcs7";
const DH_PRIME = BigInt(
  "0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
);

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let r = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) r = (r * base) % mod;
    base = (base * base) % mod;
    exp >>= 1n;
  }
  return r;
}
const toBigInt = (b: Uint8Array) =>
  b.length === 0 ? 0n : BigInt("0x" + [...b].map((x) => x.toString(16).padStart(2, "0")).join(""));
/** Big-endian, left-padded to the prime's 128 bytes. */
function toBytes(n: bigint): Uint8Array<ArrayBuffer> {
  const hex = n.toString(16).padStart(256, "0");
  const out = new Uint8Array(128);
  for (let i = 0; i < 128; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A private exponent of 256 random bits, and 2^x mod p. */
function dhKeyPair(): { privateKey: bigint; publicKey: Uint8Array } {
  const privateKey = toBigInt(crypto.getRandomValues(new Uint8Array(32))) | (1n << 255n);
  return { privateKey, publicKey: toBytes(modPow(2n, privateKey, DH_PRIME)) };
}

/** The AES-128-CBC key of the session, from the service's public key. */
async function sessionKey(privateKey: bigint, servicePublic: Uint8Array): Promise<CryptoKey> {
  const y = toBigInt(servicePublic);
  if (servicePublic.length > 128 || y <= 1n || y >= DH_PRIME - 1n) throw new Unsure("odd public key");
  const shared = toBytes(modPow(y, privateKey, DH_PRIME));
  const ikm = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveBits"]);
  shared.fill(0);
  const bits = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new Uint8Array(0) },
      ikm,
      128,
    ),
  );
  const key = await crypto.subtle.importKey("raw", bits, "AES-CBC", false, ["decrypt"]);
  bits.fill(0);
  return key;
}

// ---------------------------------------------------------------------------------------------
// The Secret Service calls.

const SERVICE = "org.freedesktop.secrets";
const SERVICE_PATH = "/org/freedesktop/secrets";
const DEFAULT_COLLECTION = "/org/freedesktop/secrets/aliases/default";

/**
 * Reads `names` of keychain service `service` from the Secret Service on the session bus at
 * DBUS_SESSION_BUS_ADDRESS. One answer per name (see the module comment).
 */
export async function readSecretsFast(service: string, names: string[]): Promise<Map<string, FastRead>> {
  const answers = new Map<string, FastRead>();
  const rest = (r: FastRead) => {
    for (const n of names) if (!answers.has(n)) answers.set(n, r);
    return answers;
  };
  if (Deno.build.os !== "linux") return rest({ kind: "fallback", reason: "not Linux" });
  let address: string | undefined;
  try {
    address = Deno.env.get("DBUS_SESSION_BUS_ADDRESS");
  } catch {
    return rest({ kind: "fallback", reason: "DBUS_SESSION_BUS_ADDRESS cannot be read" });
  }
  if (!address) return rest({ kind: "unavailable", reason: "DBUS_SESSION_BUS_ADDRESS is not set" });
  const sockets = busSockets(address);
  if (sockets.length === 0) return rest({ kind: "fallback", reason: "not a unix: bus address" });
  const c = libc();
  if (typeof c === "string") return rest({ kind: "fallback", reason: c });

  let sock: Socket | undefined;
  try {
    let lastError: unknown;
    for (const target of sockets) {
      try {
        sock = new Socket(c, target);
        break;
      } catch (err) {
        lastError = err;
      }
    }
    if (!sock) throw lastError;
    const bus = new Bus(sock);
    const secrets = (path: string, iface: string, member: string, args: Arg[]) =>
      bus.send(SERVICE, path, iface, member, args);

    // round trip 1: every search, and a session for reading (with the authentication and Hello)
    const searches = names.map((name) =>
      [
        name,
        secrets(SERVICE_PATH, "org.freedesktop.Secret.Service", "SearchItems", [
          { sig: "a{ss}", value: itemAttributes(service, name) },
        ]),
      ] as const
    );
    const dh = dhKeyPair();
    const opening = secrets(SERVICE_PATH, "org.freedesktop.Secret.Service", "OpenSession", [
      { sig: "s", value: DH_ALGORITHM },
      { sig: "v", inner: "ay", value: dh.publicKey },
    ]);
    const toRead = new Map<string, string>(); // name → item path
    const unmatched: string[] = [];
    for (const [name, serial] of searches) {
      const [unlocked, locked] = bus.reply(serial, "SearchItems", "aoao") as [string[], string[]];
      if (unlocked.length + locked.length > 1) {
        answers.set(name, { kind: "fallback", reason: "several items match" });
      } else if (unlocked.length === 1) toRead.set(name, unlocked[0]);
      else if (locked.length === 1) answers.set(name, { kind: "locked" });
      else unmatched.push(name);
    }
    const [output, session] = bus.reply(opening, "OpenSession", "vo") as [
      { sig: string; value: Value },
      string,
    ];
    if (output.sig !== "ay") throw new Unsure("OpenSession returned no public key");
    const aesKey = await sessionKey(dh.privateKey, output.value as Uint8Array);

    // round trip 2: the secrets, and whether "absent" can be trusted
    const reads = [...toRead].map(([name, item]) =>
      [
        name,
        secrets(item, "org.freedesktop.Secret.Item", "GetSecret", [{ sig: "o", value: session }]),
      ] as const
    );
    // "absent" from a locked or missing store is not "absent": the default collection's Locked
    // property, as secretServiceState (libsecret.ts) reads it.
    const lockedQuery = unmatched.length === 0 ? undefined : secrets(
      DEFAULT_COLLECTION,
      "org.freedesktop.DBus.Properties",
      "Get",
      [{ sig: "s", value: "org.freedesktop.Secret.Collection" }, { sig: "s", value: "Locked" }],
    );
    for (const [name, serial] of reads) {
      let secret: [string, Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>, string];
      try {
        [secret] = bus.reply(serial, "GetSecret", "(oayays)") as [
          [string, Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>, string],
        ];
      } catch (err) {
        if (!(err instanceof BusError)) throw err;
        answers.set(
          name,
          /IsLocked/.test(err.dbusName) ? { kind: "locked" } : { kind: "fallback", reason: err.message },
        );
        continue;
      }
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(
          await crypto.subtle.decrypt({ name: "AES-CBC", iv: secret[1] }, aesKey, secret[2]),
        );
      } catch {
        answers.set(name, { kind: "fallback", reason: "the secret could not be decrypted" });
        continue;
      }
      secret[2].fill(0);
      let value: string;
      try {
        // what `secret set` stores is UTF-8; anything else (another program's bytes) is the normal path's
        value = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        value = "";
      }
      bytes.fill(0);
      answers.set(
        name,
        value === "" ? { kind: "fallback", reason: "not a UTF-8 secret" } : { kind: "found", value },
      );
    }
    if (lockedQuery !== undefined) {
      let answer: FastRead;
      try {
        const [v] = bus.reply(lockedQuery, "Get", "v") as [{ sig: string; value: Value }];
        answer = v.sig !== "b"
          ? { kind: "fallback", reason: "odd Locked property" }
          : v.value === true
          ? { kind: "locked" }
          : { kind: "missing" };
      } catch (err) {
        if (!(err instanceof BusError)) throw err;
        answer = { kind: "fallback", reason: err.message }; // e.g. no default collection
      }
      for (const n of unmatched) answers.set(n, answer);
    }
    return answers;
  } catch (err) {
    if (err instanceof Unreachable) return rest({ kind: "unavailable", reason: err.message });
    if (err instanceof BusError) {
      return rest(
        /ServiceUnknown|NameHasNoOwner/.test(err.dbusName)
          ? { kind: "unavailable", reason: err.message }
          : { kind: "fallback", reason: err.message },
      );
    }
    if (err instanceof Unsure) return rest({ kind: "fallback", reason: err.message });
    return rest({
      kind: "fallback",
      reason: `unexpected: ${err instanceof Error ? err.message : String(err)}`,
    });
  } finally {
    sock?.close();
  }
}
