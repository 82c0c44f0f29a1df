/**
 * The fast Secret Service read's D-Bus wire format (src/plugins/backends/dbus_wire.ts), fed hostile
 * bytes: whatever a bus (or whoever answers at the address in the environment) sends, the parser
 * returns a reply, ignores the message, or gives up with `Unsure` / `BusError` (the caller then takes
 * the normal path). It never throws anything else, loops in place, or keeps what it did not ask for.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Bus,
  BusError,
  MAX_MESSAGES_PER_REPLY,
  messageLength,
  parseReply,
  splitSignature,
  type Transport,
  Unsure,
} from "../src/plugins/backends/dbus_wire.ts";

// ---------------------------------------------------------------------------------------------
// A small marshaller of our own, to write what a bus would send.

const ALIGN: Record<string, number> = { y: 1, g: 1, v: 1, b: 4, u: 4, s: 4, o: 4, a: 4, "(": 8, "{": 8 };
/** Bytes written as they are (for what the marshaller would refuse to write). */
class Raw {
  constructor(readonly write: (w: W) => void) {}
}

class W {
  b: number[] = [];
  constructor(readonly le: boolean) {}
  pad(n: number) {
    while (this.b.length % n) this.b.push(0);
  }
  u32(v: number) {
    this.pad(4);
    const x = [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
    this.b.push(...(this.le ? x : x.reverse()));
  }
  setU32(at: number, v: number) {
    const x = [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
    this.b.splice(at, 4, ...(this.le ? x : x.reverse()));
  }
  put(sig: string, v: unknown): void {
    if (v instanceof Raw) return v.write(this);
    const c = sig[0];
    this.pad(ALIGN[c] ?? 1);
    if (c === "y") this.b.push(v as number);
    else if (c === "b") this.u32(v ? 1 : 0);
    else if (c === "u") this.u32(v as number);
    else if (c === "s" || c === "o") {
      const bytes = new TextEncoder().encode(v as string);
      this.u32(bytes.length);
      this.b.push(...bytes, 0);
    } else if (c === "g") {
      this.b.push((v as string).length, ...new TextEncoder().encode(v as string), 0);
    } else if (c === "v") {
      const { sig: inner, value } = v as { sig: string; value: unknown };
      this.put("g", inner);
      this.put(inner, value);
    } else if (c === "a") {
      const elem = sig.slice(1);
      this.u32(0);
      const lenAt = this.b.length - 4;
      this.pad(ALIGN[elem[0]] ?? 1);
      const start = this.b.length;
      for (const x of v as Iterable<unknown>) this.put(elem, x);
      this.setU32(lenAt, this.b.length - start);
    } else if (c === "(" || c === "{") {
      splitSignature(sig.slice(1, -1)).forEach((t, i) => this.put(t, (v as unknown[])[i]));
    } else throw new Error(`the test marshaller does not write ${c}`);
  }
}

interface Msg {
  type?: number;
  serial?: number;
  replyTo?: number;
  sig?: string;
  body?: unknown[];
  errorName?: string;
  le?: boolean;
  /** more header fields: [code, variant signature, value] */
  fields?: Array<[number, string, unknown]>;
}

function message(m: Msg): Uint8Array {
  const le = m.le ?? true;
  const body = new W(le);
  const sigs = m.sig ? splitSignature(m.sig) : [];
  sigs.forEach((t, i) => body.put(t, m.body?.[i]));
  const fields: Array<[number, { sig: string; value: unknown }]> = [];
  if (m.replyTo !== undefined) fields.push([5, { sig: "u", value: m.replyTo }]);
  if (m.errorName !== undefined) fields.push([4, { sig: "s", value: m.errorName }]);
  if (m.sig) fields.push([8, { sig: "g", value: m.sig }]);
  for (const [code, sig, value] of m.fields ?? []) fields.push([code, { sig, value }]);
  const h = new W(le);
  h.b.push(le ? 0x6c : 0x42, m.type ?? 2, 0, 1);
  h.u32(body.b.length);
  h.u32(m.serial ?? 1000);
  h.put("a(yv)", fields);
  h.pad(8);
  return new Uint8Array([...h.b, ...body.b]);
}

const reply = (replyTo: number, sig: string, body: unknown[], more: Msg = {}) =>
  message({ replyTo, sig, body, ...more });
const signal = () =>
  message({
    type: 4,
    sig: "s",
    body: [":1.42"],
    fields: [[1, "o", "/org/freedesktop/DBus"], [3, "s", "NameAcquired"]],
  });
const AUTH_OK = new TextEncoder().encode(`OK ${"0123456789abcdef".repeat(2)}\r\n`);

/** A stream that hands out `chunks` in order (then ends), recording what was written. */
class FakeBus implements Transport {
  written: Uint8Array[] = [];
  private pending = new Uint8Array(0);
  constructor(private chunks: Iterator<Uint8Array>) {}
  write(bytes: Uint8Array) {
    this.written.push(bytes.slice());
  }
  fill(n: number): Uint8Array {
    while (this.pending.length < n) {
      const next = this.chunks.next();
      if (next.done) throw new Unsure("the stream ended");
      const joined = new Uint8Array(this.pending.length + next.value.length);
      joined.set(this.pending);
      joined.set(next.value, this.pending.length);
      this.pending = joined;
    }
    return this.pending;
  }
  take(n: number): Uint8Array {
    const out = this.fill(n).slice(0, n);
    this.pending = this.pending.slice(n);
    return out;
  }
}

/** Our documented outcomes: anything else thrown is a bug. */
function outcome(fn: () => unknown): "ok" | "unsure" | "bus-error" {
  try {
    fn();
    return "ok";
  } catch (err) {
    if (err instanceof Unsure) return "unsure";
    if (err instanceof BusError) return "bus-error";
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------

Deno.test("splitSignature: the Secret Service's types split; what the specification forbids is Unsure", () => {
  assert.deepEqual(splitSignature("aoao"), ["ao", "ao"]);
  assert.deepEqual(splitSignature("(oayays)"), ["(oayays)"]);
  assert.deepEqual(splitSignature("a{sv}a(yv)vo"), ["a{sv}", "a(yv)", "v", "o"]);
  for (
    const bad of [
      "()",
      "a()",
      "(())",
      "{sv}",
      "a{vs}",
      "a{s}",
      "a{sss}",
      "a",
      "(s",
      "s)",
      "z",
      "a".repeat(70) + "y",
    ]
  ) {
    assert.throws(() => splitSignature(bad), Unsure, bad);
  }
  assert.throws(() => splitSignature("y".repeat(256)), Unsure);
});

Deno.test("parseReply: a header variant of empty structs ('a()') is Unsure, not an endless loop", () => {
  // before: an array of "()" read elements of no bytes forever, growing a list until memory ran out
  for (const sig of ["a()", "a{}", "aa()"]) {
    const msg = reply(1, "s", ["x"], {
      fields: [[
        200,
        "v",
        new Raw((w) => {
          w.put("g", sig);
          w.u32(8);
          w.pad(8);
          w.b.push(0, 0, 0, 0, 0, 0, 0, 0);
        }),
      ]],
    });
    assert.throws(() => parseReply(msg), Unsure, sig);
  }
});

Deno.test("parseReply: replies in either byte order, errors, and what is not a reply to us", () => {
  for (const le of [true, false]) {
    const r = parseReply(reply(7, "aoao", [["/a/b"], []], { le }));
    assert.deepEqual(r, { replyTo: 7, error: undefined, sig: "aoao", values: [["/a/b"], []] });
    const v = parseReply(reply(8, "vo", [{ sig: "ay", value: [1, 2, 3] }, "/s/1"], { le }));
    assert.deepEqual(v?.values, [{ sig: "ay", value: new Uint8Array([1, 2, 3]) }, "/s/1"]);
    const e = parseReply(
      message({
        type: 3,
        replyTo: 9,
        errorName: "org.freedesktop.Secret.Error.IsLocked",
        sig: "s",
        body: ["locked"],
        le,
      }),
    );
    assert.ok(e?.error instanceof BusError);
    assert.equal(e.error.dbusName, "org.freedesktop.Secret.Error.IsLocked");
  }
  assert.equal(parseReply(signal()), null);
  assert.equal(parseReply(reply(5, "s", ["x"]), (s) => s !== 5), null, "a reply to nothing we await");
  // a reply serial of another type, a boolean of 2, a body longer than its signature
  assert.throws(() => parseReply(message({ sig: "s", body: ["x"], fields: [[5, "s", "1"]] })), Unsure);
  assert.throws(() => parseReply(reply(1, "b", [new Raw((w) => w.u32(2))])), Unsure);
  assert.throws(
    () => parseReply(reply(1, "s", [new Raw((w) => (w.put("s", "x"), w.b.push(1, 2, 3, 4)))])),
    Unsure,
  );
  // a string without its NUL
  assert.throws(() => parseReply(reply(1, "s", [new Raw((w) => (w.u32(1), w.b.push(65, 66)))])), Unsure);
});

Deno.test("parseReply: every truncation and any mutation of valid replies is a reply, ignored, or Unsure", () => {
  const valid = [
    reply(3, "aoao", [["/org/freedesktop/secrets/collection/login/1"], ["/x"]]),
    reply(
      4,
      "vo",
      [{ sig: "ay", value: new Uint8Array(128).fill(7) }, "/org/freedesktop/secrets/session/s1"],
      { le: false },
    ),
    reply(5, "(oayays)", [["/s", [1, 2], [3, 4, 5], "text/plain"]]),
    reply(6, "v", [{ sig: "b", value: true }]),
    message({
      type: 3,
      replyTo: 2,
      errorName: "org.freedesktop.DBus.Error.ServiceUnknown",
      sig: "s",
      body: ["no"],
    }),
    signal(),
  ];
  for (const msg of valid) {
    for (let n = 0; n < msg.length; n++) {
      assert.equal(outcome(() => parseReply(msg.subarray(0, n))), "unsure");
    }
  }
  fc.assert(
    fc.property(
      fc.constantFrom(...valid),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      (msg, edits) => {
        const m = msg.slice();
        for (const [at, byte] of edits) m[at % m.length] = byte;
        outcome(() => {
          const total = messageLength(m);
          const whole = new Uint8Array(Math.min(total, 1 << 20));
          whole.set(m.subarray(0, Math.min(whole.length, m.length)));
          return parseReply(whole);
        });
      },
    ),
    { numRuns: 3000 },
  );
  // random header fields and body behind a fixed header whose sizes add up
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.integer({ min: 1, max: 4 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }),
      (le, type, fields, body) => {
        const padded = fields.length + ((8 - (fields.length % 8)) % 8);
        const m = new Uint8Array(16 + padded + body.length);
        const v = new DataView(m.buffer);
        m.set([le ? 0x6c : 0x42, type, 0, 1]);
        v.setUint32(4, body.length, le);
        v.setUint32(8, 1, le);
        v.setUint32(12, fields.length, le);
        m.set(fields, 16);
        m.set(body, 16 + padded);
        outcome(() => parseReply(m));
      },
    ),
    { numRuns: 3000 },
  );
});

Deno.test("Bus: signals and other replies interleave; each call gets its own reply; an error reply is BusError", () => {
  // serials: Hello 1, then our calls 2 and 3; the bus answers out of order, with signals between
  const io = new FakeBus(
    [
      AUTH_OK,
      signal(),
      reply(1, "s", [":1.42"]),
      signal(),
      reply(3, "s", ["third"]),
      reply(99, "s", ["a reply to a call never made"]),
      message({
        type: 3,
        replyTo: 2,
        errorName: "org.freedesktop.Secret.Error.IsLocked",
        sig: "s",
        body: ["it is locked"],
      }),
    ].values(),
  );
  const bus = new Bus(io, 1000);
  const second = bus.send("org.freedesktop.secrets", "/p", "i.f", "Second", []);
  const third = bus.send("org.freedesktop.secrets", "/p", "i.f", "Third", [{ sig: "s", value: "x" }]);
  assert.deepEqual(bus.reply(third, "Third", "s"), ["third"]);
  assert.throws(
    () => bus.reply(second, "Second", "s"),
    (e) => e instanceof BusError && /IsLocked/.test(e.dbusName),
  );
  // each reply is taken once
  assert.throws(() => bus.reply(third, "Third", "s"), Unsure);
  const sent = new TextDecoder().decode(io.written[0]);
  assert.ok(
    sent.startsWith(
      `\0AUTH EXTERNAL ${[..."1000"].map((c) => c.charCodeAt(0).toString(16)).join("")}\r\nBEGIN\r\n`,
    ),
  );
});

Deno.test("Bus: an endless stream of signals, or of replies to calls never made, is Unsure after a bounded read", () => {
  // before: reply() read forever (and kept every stray reply in memory)
  let made = 0;
  function* endless(stray: boolean) {
    yield AUTH_OK;
    yield reply(1, "s", [":1.42"]);
    for (;;) {
      made++;
      yield stray ? reply(1000 + made, "s", ["stray"]) : signal();
    }
  }
  for (const stray of [false, true]) {
    made = 0;
    const bus = new Bus(new FakeBus(endless(stray)), 1000);
    const call = bus.send("org.freedesktop.secrets", "/p", "i.f", "M", []);
    assert.throws(() => bus.reply(call, "M", "s"), Unsure);
    assert.ok(made <= MAX_MESSAGES_PER_REPLY + 1, `${made} messages read`);
  }
});

Deno.test("Bus: a refused authentication, an odd first line or a stream of random bytes is Unsure", () => {
  for (
    const first of [
      "REJECTED EXTERNAL\r\n",
      "OK\r\n",
      "ERROR\r\n",
      "x".repeat(5000),
    ]
  ) {
    const bus = new Bus(new FakeBus([new TextEncoder().encode(first)].values()), 0);
    const call = bus.send("d", "/p", "i.f", "M", []);
    assert.throws(() => bus.reply(call, "M", "s"), Unsure, first.slice(0, 20));
  }
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
      const bus = new Bus(new FakeBus([AUTH_OK, ...chunks].values()), 0);
      const call = bus.send("d", "/p", "i.f", "M", []);
      assert.notEqual(outcome(() => bus.reply(call, "M", "s")), "ok");
    }),
    { numRuns: 500 },
  );
});
