/**
 * The bridge keeps going when the remote server refuses one request with an HTTP error (Copilot CLI
 * sends a request before `initialize`, which a server may answer 400): the client gets a JSON-RPC
 * error for that request. Refused credentials (401/403) still end the bridge.
 */
import assert from "node:assert/strict";
import { errorReply } from "../src/core/launch/bridge.ts";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

const request = { jsonrpc: "2.0", id: 7, method: "server/discover", params: {} } as JSONRPCMessage;

Deno.test("bridge: a request refused with HTTP 400 gets the server's JSON-RPC error as the reply", () => {
  const body =
    '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: Server not initialized"},"id":null}';
  const reply = errorReply(request, new StreamableHTTPError(400, `Error POSTing to endpoint: ${body}`));
  assert.deepEqual(reply, {
    jsonrpc: "2.0",
    id: 7,
    error: { code: -32000, message: "Bad Request: Server not initialized" },
  });
});

Deno.test("bridge: a non-JSON HTTP error body becomes an internal error naming the status", () => {
  const reply = errorReply(request, new StreamableHTTPError(500, "Error POSTing to endpoint: oops")) as {
    error: { code: number; message: string };
  };
  assert.equal(reply.error.code, -32603);
  assert.match(reply.error.message, /HTTP 500/);
});

Deno.test("bridge: refused credentials, notifications and lost connections end the bridge (no reply)", () => {
  for (const status of [401, 403]) {
    assert.equal(errorReply(request, new StreamableHTTPError(status, "Error POSTing to endpoint: no")), null);
  }
  const note = { jsonrpc: "2.0", method: "notifications/initialized" } as JSONRPCMessage;
  assert.equal(errorReply(note, new StreamableHTTPError(400, "Error POSTing to endpoint: x")), null);
  assert.equal(errorReply(request, new TypeError("fetch failed")), null);
});
