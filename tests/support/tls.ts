/**
 * TLS material and endpoints for tests: a throw-away CA with server and
 * client certificates (made with the `openssl` binary), and a TLS-terminating
 * proxy that forwards to a plain TCP port (the ThingsBoard test server speaks
 * plain MQTT only).
 *
 * Deno's node:tls server does not verify client certificates against `ca`
 * (every chain fails with UNABLE_TO_VERIFY_LEAF_SIGNATURE, and with
 * `rejectUnauthorized` the handshake hangs up), so the proxy requests the
 * certificate and checks its signature against the CA itself.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import { connect as netConnect } from "node:net";
import { createServer, type TLSSocket } from "node:tls";

/** Paths of the generated PEM files. */
export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA that signed nothing here: trusting it must fail */
  otherCaCert: string;
}

/** The openssl binary, or undefined when it is not installed. */
export function findOpenssl(): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").filter(Boolean)) {
    try {
      if (Deno.statSync(`${dir}/openssl`).isFile) return `${dir}/openssl`;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(findOpenssl()!, {
    args,
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(stderr)}`);
  }
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Creates a CA, a server certificate for 127.0.0.1 and a client certificate in a temp dir. */
export async function makeTestPki(): Promise<TestPki> {
  const dir = await Deno.makeTempDir({ prefix: "tfedge-pki-" });
  const ca = (name: string) =>
    openssl(
      [
        "req",
        "-x509",
        ...EC,
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.pem`,
        "-days",
        "2",
        "-subj",
        `/CN=${name}`,
      ],
      dir,
    );
  await ca("ca");
  await ca("other-ca");
  await Deno.writeTextFile(`${dir}/server.ext`, "subjectAltName=IP:127.0.0.1\n");
  for (
    const [name, cn, ext] of [["server", "127.0.0.1", true], [
      "client",
      "edge-x509",
      false,
    ]] as const
  ) {
    await openssl([
      "req",
      ...EC,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${cn}`,
    ], dir);
    await openssl([
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      ...(ext ? ["-extfile", "server.ext"] : []),
    ], dir);
  }
  return {
    dir,
    caCert: `${dir}/ca.pem`,
    serverCert: `${dir}/server.pem`,
    serverKey: `${dir}/server.key`,
    clientCert: `${dir}/client.pem`,
    clientKey: `${dir}/client.key`,
    otherCaCert: `${dir}/other-ca.pem`,
  };
}

/** A TLS listener on 127.0.0.1 forwarding every connection to `targetPort`. */
export interface TlsProxy {
  port: number;
  /** Client certificate subjects (CN) seen on accepted connections */
  readonly clientNames: string[];
  close(): Promise<void>;
}

/** Starts a TLS proxy; with `requireClientCert`, clients need a certificate from the CA. */
export async function startTlsProxy(
  pki: TestPki,
  targetPort: number,
  requireClientCert = false,
): Promise<TlsProxy> {
  const clientNames: string[] = [];
  const sockets = new Set<{ destroy(): void }>();
  const caPem = await Deno.readTextFile(pki.caCert);
  const caKey = new X509Certificate(caPem).publicKey;
  const server = createServer({
    key: await Deno.readTextFile(pki.serverKey),
    cert: await Deno.readTextFile(pki.serverCert),
    ca: caPem,
    requestCert: requireClientCert,
    rejectUnauthorized: false,
  }, (tlsSocket: TLSSocket) => {
    sockets.add(tlsSocket);
    tlsSocket.on("error", () => tlsSocket.destroy());
    tlsSocket.on("close", () => sockets.delete(tlsSocket));
    if (requireClientCert) {
      const raw = tlsSocket.getPeerCertificate()?.raw;
      const cert = raw ? new X509Certificate(raw) : undefined;
      if (!cert || !cert.verify(caKey)) return tlsSocket.destroy();
      clientNames.push(cert.subject.replace(/^CN=/, ""));
    }
    const upstream = netConnect(targetPort, "127.0.0.1");
    sockets.add(upstream);
    const end = () => {
      tlsSocket.destroy();
      upstream.destroy();
      sockets.delete(upstream);
    };
    tlsSocket.on("close", end);
    upstream.on("error", end).on("close", end);
    tlsSocket.pipe(upstream);
    upstream.pipe(tlsSocket);
  });
  server.on("tlsClientError", () => {}); // handshake failures are what some tests expect
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    clientNames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
