// Reaching a Jupyter server: its address and token, checked once before any notebook runs, so
// that a wrong URL, a refused token or a server without our kernel is one clear sentence.
import { ServerConnection } from "@jupyterlab/services";
import WebSocket from "ws";
import { KERNEL_NAME } from "../kernelspec.js";
import { UsageError } from "../../common/errors.js";

export class ServerUsageError extends UsageError {
  override name = "ServerUsageError";
}

export interface ServerAddress {
  /** Base URL with a trailing slash, without the token. */
  baseUrl: string;
  token: string;
}

/** `http://host:8888/lab?token=abc` and `--token` both work; `--token` wins. */
export function parseServerUrl(url: string, token?: string): ServerAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ServerUsageError(`--server ${url}: not a URL; give the server's address, e.g. http://127.0.0.1:8888/`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new ServerUsageError(`--server ${url}: use an http:// or https:// address`);
  const fromUrl = parsed.searchParams.get("token") ?? "";
  // A link to a page of the server (…/lab, …/tree) still names its base.
  const base = parsed.pathname.replace(/\/(lab|tree|notebooks)(\/.*)?$/, "/");
  return { baseUrl: `${parsed.origin}${base.endsWith("/") ? base : `${base}/`}`, token: token ?? fromUrl };
}

export function serverSettings(address: ServerAddress): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl: address.baseUrl,
    wsUrl: address.baseUrl.replace(/^http/, "ws"),
    token: address.token,
    // Node has fetch; the WebSocket comes from `ws`. The token goes in the websocket URL too.
    appendToken: true,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  });
}

/** Fails with what to do unless the server answers, takes the token and has the parallab kernel. */
export async function checkServer(address: ServerAddress, timeoutMs = 15_000): Promise<void> {
  const url = `${address.baseUrl}api/kernelspecs`;
  let response: Response;
  try {
    response = await fetch(url, { headers: address.token ? { Authorization: `token ${address.token}` } : {}, signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new ServerUsageError(`cannot reach a Jupyter server at ${address.baseUrl} (${cause}): check the URL and that the server is running (jupyter server list shows its address and token)`);
  }
  if (response.status === 401 || response.status === 403 || (response.status >= 300 && response.status < 400)) {
    throw new ServerUsageError(
      `the Jupyter server at ${address.baseUrl} refused ${address.token ? "the token" : "a request without a token"} (HTTP ${response.status}): pass the token it printed with --token T (jupyter server list shows it)`,
    );
  }
  const body = response.ok ? ((await response.json().catch(() => null)) as { kernelspecs?: Record<string, unknown> } | null) : null;
  if (!body?.kernelspecs) throw new ServerUsageError(`${address.baseUrl} is not a Jupyter server (GET /api/kernelspecs answered HTTP ${response.status}): check the URL`);
  if (!(KERNEL_NAME in body.kernelspecs)) {
    const has = Object.keys(body.kernelspecs).join(", ") || "none";
    throw new ServerUsageError(
      `the Jupyter server at ${address.baseUrl} has no ${KERNEL_NAME} kernel (it has: ${has}). On the server's machine run \`npx parallab install\` (in a Parallab checkout), then try again`,
    );
  }
}
