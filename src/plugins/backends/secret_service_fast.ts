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
 * The wire format (and its limits on what a reply may cost) is dbus_wire.ts; the whole conversation
 * has one 10-second deadline.
 *
 * The socket is opened through FFI, so Deno's `net` permission does not apply to it (`run` has
 * dropped `net` by then): it goes only to the address in DBUS_SESSION_BUS_ADDRESS, which
 * session_bus.ts fills, when it is unset, with the user's own bus socket in XDG_RUNTIME_DIR or
 * /run/user/<uid> (never an address read from a file).
 * A musl system (no libc.so.6) takes the normal path; macOS and Windows never come here.
 */

import { type Arg, Bus, BusError, type Transport, Unsure, type Value } from "./dbus_wire.ts";

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
// The socket: libc over FFI (blocking calls under a deadline; nothing else is going on at start-up).

const LIBC_SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
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

/** The bus or the Secret Service is not there: the caller takes the normal path, which explains. */
class Unreachable extends Error {}

const AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1, SO_RCVTIMEO = 20, SO_SNDTIMEO = 21;
/** errno of a call interrupted by a signal before it moved any byte: it is made again. */
const EINTR = 4;
/** The whole conversation's time limit (each read waits only for what is left of it). */
const TIMEOUT_MS = 10_000;

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

/** struct timeval (64-bit Linux: two 64-bit fields) of `ms` milliseconds (at least 1 ms: 0 is "forever"). */
function timeval(ms: number): Uint8Array<ArrayBuffer> {
  const t = Math.max(1, Math.ceil(ms));
  return new Uint8Array(new BigInt64Array([BigInt(Math.floor(t / 1000)), BigInt((t % 1000) * 1000)]).buffer);
}

/**
 * A connected unix stream socket (libc over FFI), with a deadline for the whole conversation: a bus
 * that trickles bytes or never answers costs at most TIMEOUT_MS, then the normal path answers.
 */
class Socket implements Transport {
  private fd: number;
  private pending = new Uint8Array(0);
  private deadline = Date.now() + TIMEOUT_MS;
  constructor(private c: Libc, target: { path: string; abstract: boolean }) {
    const name = new TextEncoder().encode(target.path);
    if (name.includes(0)) throw new Unsure("the bus socket path holds a NUL");
    const len = 2 + (target.abstract ? 1 : 0) + name.length + (target.abstract ? 0 : 1);
    if (len > 110) throw new Unsure("the bus socket path is too long");
    const addr = new Uint8Array(110);
    new Uint16Array(addr.buffer, 0, 1)[0] = AF_UNIX; // sa_family_t, host order
    addr.set(name, target.abstract ? 3 : 2);
    this.fd = c.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (this.fd < 0) throw new Unsure("socket() failed");
    try {
      // SO_SNDTIMEO bounds connect() (and is set again before each write); SO_RCVTIMEO before each read
      this.timeout(SO_SNDTIMEO, TIMEOUT_MS);
    } catch (err) {
      this.close();
      throw err;
    }
    if (c.connect(this.fd, addr, len) !== 0) {
      this.close();
      throw new Unreachable(`cannot connect to the session bus at ${target.path}`);
    }
  }
  private timeout(option: number, ms: number): void {
    const tv = timeval(ms);
    if (this.c.setsockopt(this.fd, SOL_SOCKET, option, tv, tv.length) !== 0) {
      throw new Unsure("cannot set the socket's time limit");
    }
  }
  /**
   * True when the last call failed with EINTR. A signal (a profiler's SIGPROF, a terminal's SIGWINCH,
   * a child's SIGCHLD) interrupts a blocking read or write; that is no reason to give up on the bus.
   * errno is the calling thread's, and these calls are made on this thread, one after the other.
   */
  private interrupted(): boolean {
    const at = this.c.__errno_location();
    return at !== null && new Deno.UnsafePointerView(at).getInt32() === EINTR;
  }
  private left(): number {
    const ms = this.deadline - Date.now();
    if (ms <= 0) throw new Unsure("the session bus did not answer in time");
    return ms;
  }
  write(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) {
      this.timeout(SO_SNDTIMEO, this.left()); // a bus that stops reading holds us no longer than the deadline
      const n = Number(this.c.write(this.fd, bytes.subarray(off), BigInt(bytes.length - off)));
      if (n < 0 && this.interrupted()) continue;
      if (n <= 0) throw new Unsure("the session bus closed the connection (write)");
      off += n;
    }
  }
  /** Reads until `n` bytes are pending. */
  fill(n: number): Uint8Array {
    while (this.pending.length < n) {
      this.timeout(SO_RCVTIMEO, this.left());
      const buf = new Uint8Array(Math.max(4096, n - this.pending.length));
      const got = Number(this.c.read(this.fd, buf, BigInt(buf.length)));
      if (got < 0 && this.interrupted()) continue; // the deadline still holds (left() above)
      if (got <= 0) {
        buf.fill(0);
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
  close(): void {
    if (this.fd >= 0) this.c.close(this.fd);
    this.fd = -1;
    this.pending.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------
// The encrypted session, as libsecret and keyring-rs open it: "dh-ietf1024-sha256-aes128-cbc-pkcs7"
// (Diffie-Hellman in the 1024-bit MODP group of RFC 2409, HKDF-SHA256 of the shared secret without
// salt or info to an AES-128 key, AES-CBC with PKCS#7 padding; the IV comes with each secret). The
// shared secret is hashed left-padded to the prime's 128 bytes, as libsecret's and gnome-keyring's
// egg_dh_gen_secret and keyring-rs do: dropping its leading zeros would derive another key about one
// session in 256. BigInt arithmetic is not constant-time; the private exponent lives for one
// session of a local bus conversation (SECURITY.md, residual risks).

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
  if (names.length === 0) return answers;
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
    let uid: number | null;
    try {
      uid = Deno.uid();
    } catch {
      uid = null;
    }
    const bus = new Bus(sock, uid ?? -1);
    const secrets = (path: string, iface: string, member: string, args: Arg[]) =>
      bus.send(SERVICE, path, iface, member, args);

    // round trip 1: every search, and a session for reading (with the authentication and Hello).
    // The searches go out first: the service works on them while our key pair is computed.
    const searches = names.map((name) =>
      [
        name,
        secrets(SERVICE_PATH, "org.freedesktop.Secret.Service", "SearchItems", [
          { sig: "a{ss}", value: itemAttributes(service, name) },
        ]),
      ] as const
    );
    bus.push();
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
    // the service answers those while the session key is derived here
    bus.push();
    const aesKey = await sessionKey(dh.privateKey, output.value as Uint8Array);
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
        // the secret is for our session, with a whole IV; WebCrypto checks the PKCS#7 padding
        if (secret[0] !== session || secret[1].length !== 16) throw new Unsure("odd secret");
        bytes = new Uint8Array(
          await crypto.subtle.decrypt({ name: "AES-CBC", iv: secret[1] }, aesKey, secret[2]),
        );
      } catch {
        answers.set(name, { kind: "fallback", reason: "the secret could not be decrypted" });
        continue;
      } finally {
        secret[2].fill(0);
      }
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
