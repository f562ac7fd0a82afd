/**
 * scripts/install.sh run for real into a temporary DESTDIR, with a stand-in
 * binary (an ELF header for the right CPU), systemctl replaced by a script
 * that records its calls, and the machine facts (arch, page size, model)
 * given through the script's override variables.
 */
import assert from "node:assert/strict";

const SCRIPT = new URL("../scripts/install.sh", import.meta.url).pathname;
const SYSTEMD = new URL("../systemd/", import.meta.url).pathname;
const decoder = new TextDecoder();

/** A file that starts like a 64-bit little-endian ELF executable for `machine`. */
function fakeElf(machine: "x86_64" | "aarch64", marker: string): Uint8Array {
  const bytes = new Uint8Array(64 + marker.length);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  new DataView(bytes.buffer).setUint16(18, machine === "x86_64" ? 0x3e : 0xb7, true);
  bytes.set(new TextEncoder().encode(marker), 64);
  return bytes;
}

interface Sandbox {
  dir: string;
  destdir: string;
  binary(machine: "x86_64" | "aarch64", marker: string): Promise<string>;
  /** Runs install.sh; `machine` overrides replace the detected ones. */
  run(args: string[], env?: Record<string, string>): Promise<Result>;
  /** The systemctl calls recorded so far, one string per call. */
  calls(): Promise<string[]>;
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function withSandbox(fn: (sandbox: Sandbox) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tfedge-install-test-" });
  const destdir = `${dir}/staged`;
  const log = `${dir}/systemctl.log`;
  const systemctl = `${dir}/systemctl`;
  await Deno.writeTextFile(systemctl, `#!/bin/sh\necho "$*" >>"${log}"\n`, { mode: 0o755 });
  const sandbox: Sandbox = {
    dir,
    destdir,
    async binary(machine, marker) {
      const path = `${dir}/tfedge-${machine}-${marker}`;
      await Deno.writeFile(path, fakeElf(machine, marker), { mode: 0o755 });
      return path;
    },
    async run(args, env = {}) {
      const output = await new Deno.Command("sh", {
        args: [SCRIPT, ...args],
        env: {
          DESTDIR: destdir,
          SYSTEMCTL: systemctl,
          TFEDGE_ARCH: "x86_64",
          TFEDGE_DPKG_ARCH: "amd64",
          TFEDGE_PAGESIZE: "4096",
          TFEDGE_MODEL: "",
          ...env,
        },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(20_000),
      }).output();
      return {
        code: output.code,
        stdout: decoder.decode(output.stdout),
        stderr: decoder.decode(output.stderr),
      };
    },
    async calls() {
      try {
        return (await Deno.readTextFile(log)).trimEnd().split("\n");
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return [];
        throw error;
      }
    },
  };
  try {
    await fn(sandbox);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function mode(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}

/** The message with its line breaks turned into spaces (the script wraps long lines). */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ");
}

async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) {
      for (const inner of await listFiles(`${dir}/${entry.name}`)) {
        found.push(`${entry.name}/${inner}`);
      }
    } else found.push(entry.name);
  }
  return found.sort();
}

Deno.test("install.sh installs binary, unit and config, and keeps a user's config on rerun", async () => {
  await withSandbox(async (s) => {
    const first = await s.run(["--no-start", await s.binary("x86_64", "v1")]);
    assert.equal(first.code, 0, first.stderr);
    const root = s.destdir;
    assert.deepEqual(await listFiles(root), [
      "etc/systemd/system/tfedge.service",
      "etc/tfedge/config.json",
      "etc/tfedge/tfedge.example.json",
      "usr/local/bin/tfedge",
    ]);
    assert.equal(await mode(`${root}/usr/local/bin/tfedge`), 0o755);
    assert.equal(await mode(`${root}/etc/systemd/system/tfedge.service`), 0o644);
    assert.equal(await mode(`${root}/etc/tfedge/config.json`), 0o644, "the service reads it");
    assert.equal(await mode(`${root}/etc/tfedge/tfedge.example.json`), 0o644);
    assert.equal(await mode(`${root}/etc/tfedge`), 0o755);
    assert.equal(await mode(`${root}/etc/tfedge/credentials`), 0o700, "secrets: root only");
    assert.deepEqual(
      await Deno.readFile(`${root}/usr/local/bin/tfedge`),
      fakeElf("x86_64", "v1"),
    );
    assert.equal(
      await Deno.readTextFile(`${root}/etc/systemd/system/tfedge.service`),
      await Deno.readTextFile(`${SYSTEMD}/tfedge.service`),
    );
    const example = await Deno.readTextFile(`${SYSTEMD}/tfedge.example.json`);
    assert.equal(await Deno.readTextFile(`${root}/etc/tfedge/config.json`), example);
    assert.match(first.stdout, /installed \/etc\/tfedge\/config\.json/);
    assert.deepEqual(await s.calls(), ["daemon-reload"]);

    // The user edits the config and adds a secret; an upgrade brings a new binary and example.
    const mine = '{"thingsboard": {"host": "tb.lan"}}\n';
    await Deno.writeTextFile(`${root}/etc/tfedge/config.json`, mine);
    await Deno.writeTextFile(`${root}/etc/tfedge/credentials/tb-token`, "t0ken\n", {
      mode: 0o600,
    });
    await Deno.writeTextFile(`${root}/etc/tfedge/tfedge.example.json`, "{}");
    const second = await s.run(["--no-start", await s.binary("x86_64", "v2")]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /kept \/etc\/tfedge\/config\.json/);
    assert.equal(await Deno.readTextFile(`${root}/etc/tfedge/config.json`), mine);
    assert.equal(await mode(`${root}/etc/tfedge/config.json`), 0o644);
    assert.equal(await Deno.readTextFile(`${root}/etc/tfedge/credentials/tb-token`), "t0ken\n");
    assert.equal(await mode(`${root}/etc/tfedge/credentials/tb-token`), 0o600);
    assert.equal(await Deno.readTextFile(`${root}/etc/tfedge/tfedge.example.json`), example);
    assert.deepEqual(
      await Deno.readFile(`${root}/usr/local/bin/tfedge`),
      fakeElf("x86_64", "v2"),
    );
    assert.deepEqual(await listFiles(root), [
      "etc/systemd/system/tfedge.service",
      "etc/tfedge/config.json",
      "etc/tfedge/credentials/tb-token",
      "etc/tfedge/tfedge.example.json",
      "usr/local/bin/tfedge",
    ], "no temporary files left behind");
    assert.deepEqual(await s.calls(), ["daemon-reload", "daemon-reload"]);
    assert.doesNotMatch(second.stdout, /tfedge\.cmdline/);
  });
});

Deno.test("install.sh points the user of an old tfedge.cmdline to config.json", async () => {
  await withSandbox(async (s) => {
    await Deno.mkdir(`${s.destdir}/etc/tfedge`, { recursive: true });
    const old = `${s.destdir}/etc/tfedge/tfedge.cmdline`;
    await Deno.writeTextFile(old, "--ipcon-host brickd.lan\n", { mode: 0o600 });
    const result = await s.run(["--no-start", await s.binary("x86_64", "v1")]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\/etc\/tfedge\/tfedge\.cmdline is not read any more/);
    assert.match(
      result.stdout,
      /\/usr\/local\/bin\/tfedge --cmdline-file \/etc\/tfedge\/tfedge\.cmdline --check-config/,
    );
    assert.equal(await Deno.readTextFile(old), "--ipcon-host brickd.lan\n", "left alone");
  });
});

Deno.test("install.sh enables and restarts the service unless --no-start", async () => {
  await withSandbox(async (s) => {
    const result = await s.run([await s.binary("x86_64", "v1")]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await s.calls(), ["daemon-reload", "enable tfedge", "restart tfedge"]);
    assert.match(result.stdout, /journalctl -u tfedge/);
  });
});

Deno.test("install.sh with DESTDIR alone does not touch systemd", async () => {
  await withSandbox(async (s) => {
    const result = await s.run([await s.binary("x86_64", "v1")], { SYSTEMCTL: "" });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /DESTDIR is set: systemctl not called/);
    assert.deepEqual(await s.calls(), []);
  });
});

Deno.test("install.sh --prefix moves the binary and the unit's ExecStart with it", async () => {
  await withSandbox(async (s) => {
    const result = await s.run([
      "--prefix",
      "/opt/tfedge",
      "--no-start",
      await s.binary("x86_64", "v1"),
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await mode(`${s.destdir}/opt/tfedge/bin/tfedge`), 0o755);
    const unit = await Deno.readTextFile(`${s.destdir}/etc/systemd/system/tfedge.service`);
    assert.match(unit, /^ExecStart=\/opt\/tfedge\/bin\/tfedge --config /m);
    assert.doesNotMatch(unit, /\/usr\/local\/bin\/tfedge/);
  });
});

Deno.test("install.sh refuses a binary for another CPU, a file that is no binary, unknown options", async () => {
  await withSandbox(async (s) => {
    const wrong = await s.run([await s.binary("aarch64", "v1")]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /is a binary for aarch64, but this machine is x86_64/);
    const notElf = `${s.dir}/script`;
    await Deno.writeTextFile(notElf, "#!/bin/sh\n", { mode: 0o755 });
    const script = await s.run([notElf]);
    assert.equal(script.code, 1);
    assert.match(script.stderr, /is not a Linux executable \(ELF\)/);
    const unknown = await s.run(["--frobnicate"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--frobnicate'/);
    await assert.rejects(Deno.stat(s.destdir), Deno.errors.NotFound, "nothing installed");
  });
});

Deno.test("install.sh refuses 32-bit ARM and explains 64-bit Raspberry Pi OS", async () => {
  await withSandbox(async (s) => {
    const binary = await s.binary("aarch64", "v1");
    for (const arch of ["armv7l", "armv6l"]) {
      const result = await s.run([binary], { TFEDGE_ARCH: arch });
      assert.equal(result.code, 1);
      assert.match(
        oneLine(result.stderr),
        /Deno, which tfedge is built on, has no 32-bit ARM build/,
      );
      assert.match(oneLine(result.stderr), /64-bit Raspberry Pi OS/);
    }
    // 64-bit kernel, 32-bit user land: uname says aarch64, dpkg says armhf.
    const mixed = await s.run([binary], { TFEDGE_ARCH: "aarch64", TFEDGE_DPKG_ARCH: "armhf" });
    assert.equal(mixed.code, 1);
    assert.match(oneLine(mixed.stderr), /the kernel is 64-bit but the system is 32-bit \(armhf/);
    await assert.rejects(Deno.stat(s.destdir), Deno.errors.NotFound, "nothing installed");
  });
});

Deno.test("install.sh on a Raspberry Pi 5 with 16 KiB pages explains kernel=kernel8.img", async () => {
  await withSandbox(async (s) => {
    const binary = await s.binary("aarch64", "v1");
    const pi5 = await s.run([binary], {
      TFEDGE_ARCH: "aarch64",
      TFEDGE_DPKG_ARCH: "arm64",
      TFEDGE_PAGESIZE: "16384",
      TFEDGE_MODEL: "Raspberry Pi 5 Model B Rev 1.0",
    });
    assert.equal(pi5.code, 1);
    assert.match(pi5.stderr, /^ {2}kernel=kernel8\.img$/m);
    assert.match(pi5.stderr, /\/boot\/firmware\/config\.txt/);
    await assert.rejects(Deno.stat(s.destdir), Deno.errors.NotFound, "nothing installed");

    const pi4 = await s.run(["--no-start", binary], {
      TFEDGE_ARCH: "aarch64",
      TFEDGE_DPKG_ARCH: "arm64",
      TFEDGE_MODEL: "Raspberry Pi 4 Model B Rev 1.5",
    });
    assert.equal(pi4.code, 0, pi4.stderr);
    assert.deepEqual(
      await Deno.readFile(`${s.destdir}/usr/local/bin/tfedge`),
      fakeElf("aarch64", "v1"),
    );
  });
});
