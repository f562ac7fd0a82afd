/**
 * Provisioned credentials on disk, and first-boot provisioning.
 *
 * ThingsBoard provisions a device name once: a second request for the same
 * name fails. So credentials are stored before they are used, atomically
 * (temporary file with mode 0600, fsync, rename over the final name), and a
 * later run reuses them instead of provisioning again.
 *
 * Retry policy of first boot: `UNREACHABLE` (no connection, no answer) is
 * retried on a bounded jittered schedule; `NOT_FOUND` and `FAILURE` are
 * final answers from the server and fail at once (asking again cannot change
 * them and only adds load).
 *
 * @module
 */
import { Backoff } from "../util/backoff.ts";
import { ThingsBoardClient } from "./client.ts";
import type { ThingsBoardClientOptions } from "./options.ts";
import { ThingsBoardProvisionError } from "./errors.ts";
import { isJsonObject } from "./json.ts";
import {
  getProvisionRequest,
  provision,
  type ProvisionedCredentials,
  type ProvisionOptions,
  type ProvisionRequestOptions,
} from "./provisioning.ts";

/** File name of the stored credentials inside the state directory. */
export const CREDENTIALS_FILE = "thingsboard_credentials.json";

/** Reads stored credentials; undefined when there are none. Throws on a damaged file. */
export async function loadCredentials(
  stateDir: string,
): Promise<ProvisionedCredentials | undefined> {
  const path = `${stateDir}/${CREDENTIALS_FILE}`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SyntaxError(
      `Stored credentials "${path}" are not valid JSON; remove the file to provision again`,
    );
  }
  const creds = isJsonObject(parsed) ? parsed.credentials : undefined;
  if (!isJsonObject(creds) || !validCredentials(creds)) {
    throw new TypeError(
      `Stored credentials "${path}" have an unknown shape; remove the file to provision again`,
    );
  }
  return creds as unknown as ProvisionedCredentials;
}

function validCredentials(c: Record<string, unknown>): boolean {
  const str = (v: unknown) => v === undefined || (typeof v === "string" && v !== "");
  switch (c.type) {
    case "ACCESS_TOKEN":
      return typeof c.accessToken === "string" && c.accessToken !== "";
    case "MQTT_BASIC":
      return str(c.clientId) && str(c.username) && str(c.password) &&
        (c.clientId !== undefined || c.username !== undefined);
    case "X509_CERTIFICATE":
      return typeof c.value === "string";
    default:
      return false;
  }
}

/** Stores credentials atomically with mode 0600 (directory 0700 when created). */
export async function storeCredentials(
  stateDir: string,
  credentials: ProvisionedCredentials,
): Promise<void> {
  await Deno.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = `${stateDir}/${CREDENTIALS_FILE}`;
  const temp = `${path}.tmp-${crypto.randomUUID()}`;
  const data = new TextEncoder().encode(
    JSON.stringify({ version: 1, storedAt: new Date().toISOString(), credentials }, null, 2) + "\n",
  );
  try {
    const file = await Deno.open(temp, { write: true, createNew: true, mode: 0o600 });
    try {
      await Deno.chmod(temp, 0o600); // the umask could have dropped bits, never added them
      let written = 0;
      while (written < data.length) written += await file.write(data.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  await syncDirectory(stateDir);
}

/** Makes the rename durable; not every platform can open a directory, which is fine. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // best effort
  }
}

/** The client options that carry these credentials (X.509 needs `tls.cert`/`key` instead). */
export function credentialsToOptions(
  credentials: ProvisionedCredentials,
): { accessToken?: string; clientId?: string; username?: string; password?: string } {
  switch (credentials.type) {
    case "ACCESS_TOKEN":
      return { accessToken: credentials.accessToken };
    case "MQTT_BASIC":
      return {
        clientId: credentials.clientId,
        username: credentials.username,
        password: credentials.password,
      };
    default:
      return {};
  }
}

/** Options of {@link loadOrProvisionCredentials}. */
export interface FirstBootOptions extends ProvisionOptions {
  stateDir: string;
  host: string;
  port: number;
  provisionKey: string;
  provisionSecret: string;
  /** Device name and requested credentials, as for getProvisionRequest */
  request?: ProvisionRequestOptions;
  /** Attempts while the server is unreachable, and the delays between them. @default {attempts: 5, firstDelayMs: 1000, maxDelayMs: 30000} */
  retry?: { attempts?: number; firstDelayMs?: number; maxDelayMs?: number };
  /** Told about each failed attempt that will be retried */
  onRetry?: (info: { attempt: number; delayMs: number; error: Error }) => void;
}

/** What {@link loadOrProvisionCredentials} found or got. */
export interface FirstBootResult {
  credentials: ProvisionedCredentials;
  /** True when provisioned in this call, false when loaded from the state directory */
  provisioned: boolean;
}

/** Stored credentials if any; else provision (bounded retries), store, and return them. */
export async function loadOrProvisionCredentials(
  options: FirstBootOptions,
): Promise<FirstBootResult> {
  const stored = await loadCredentials(options.stateDir);
  if (stored) return { credentials: stored, provisioned: false };
  const request = getProvisionRequest(
    options.provisionKey,
    options.provisionSecret,
    options.request,
  );
  const attempts = options.retry?.attempts ?? 5;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(`Invalid retry.attempts "${attempts}": expected a positive integer`);
  }
  const backoff = new Backoff(
    options.retry?.firstDelayMs ?? 1000,
    options.retry?.maxDelayMs ?? 30_000,
  );
  for (let attempt = 1;; attempt++) {
    try {
      const credentials = await provision(options.host, options.port, request, options);
      await storeCredentials(options.stateDir, credentials);
      return { credentials, provisioned: true };
    } catch (error) {
      const retriable = error instanceof ThingsBoardProvisionError &&
        error.status === "UNREACHABLE";
      if (!retriable || attempt >= attempts || options.signal?.aborted) {
        if (retriable) {
          throw new ThingsBoardProvisionError(
            "UNREACHABLE",
            `${(error as Error).message} (gave up after ${attempt} attempts)`,
            { cause: error },
          );
        }
        throw error;
      }
      const delayMs = backoff.next();
      options.onRetry?.({ attempt, delayMs, error: error as Error });
      await sleep(delayMs, options.signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Options of {@link createProvisionedClient}: client options without credentials, plus first boot. */
export type ProvisionedClientOptions =
  & Omit<ThingsBoardClientOptions, "accessToken" | "clientId" | "username" | "password">
  & Pick<
    FirstBootOptions,
    "stateDir" | "provisionKey" | "provisionSecret" | "request" | "retry" | "onRetry" | "signal"
  >
  & { provisionTimeoutMs?: number };

/**
 * First boot in one call: credentials from the state directory, or provisioned
 * and stored there; returns a client using them (call `connect()` next).
 */
export async function createProvisionedClient(
  options: ProvisionedClientOptions,
): Promise<{ client: ThingsBoardClient; provisioned: boolean }> {
  const tls = typeof options.tls === "object" ? options.tls : options.tls ? {} : undefined;
  const port = options.port ?? (tls ? 8883 : 1883);
  const { credentials, provisioned } = await loadOrProvisionCredentials({
    stateDir: options.stateDir,
    host: options.host,
    port,
    provisionKey: options.provisionKey,
    provisionSecret: options.provisionSecret,
    request: options.request,
    retry: options.retry,
    onRetry: options.onRetry,
    signal: options.signal,
    timeoutMs: options.provisionTimeoutMs,
    protocolVersion: options.protocolVersion,
    tls: tls
      ? {
        ca: tls.ca ?? (tls.caFile ? await Deno.readTextFile(tls.caFile) : undefined),
        rejectUnauthorized: tls.rejectUnauthorized,
        servername: tls.servername,
      }
      : undefined,
  });
  const client = new ThingsBoardClient({ ...options, port, ...credentialsToOptions(credentials) });
  return { client, provisioned };
}
