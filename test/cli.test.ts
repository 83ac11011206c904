// The `parallab` command as a user runs it: kernelspec install/uninstall and bad input.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, ["dist/cli/parallab.js", ...args], { encoding: "utf8", env: { ...process.env, ...env } });
const tmp = (name: string) => mkdtempSync(path.join(os.tmpdir(), `parallab-cli-${name}-`));

describe("parallab install", () => {
  it("writes kernel.json with the launcher, its compiler snapshot, absolute node and entry point, the display name, interrupt mode and logos", () => {
    const prefix = tmp("prefix");
    const cache = tmp("cache");
    const result = run(["install", "--prefix", prefix], { PARALLAB_CACHE_DIR: cache });
    expect(result.status, result.stderr).toBe(0);
    const dir = path.join(prefix, "share", "jupyter", "kernels", "parallab");
    expect(result.stdout).toContain(dir);
    const spec = JSON.parse(readFileSync(path.join(dir, "kernel.json"), "utf8"));
    expect(spec.display_name).toBe("TypeScript (Parallab)");
    expect(spec.language).toBe("typescript");
    expect(spec.interrupt_mode).toBe("message");
    // sh launch.sh BLOB NODE FLAGS… MAIN {connection_file}; install built the blob.
    expect(spec.argv.slice(0, 2)).toEqual(["/bin/sh", path.resolve("kernel", "snapshot", "launch.sh")]);
    expect(path.dirname(spec.argv[2])).toBe(cache);
    expect(existsSync(spec.argv[2]) && existsSync(`${spec.argv[2]}.key`)).toBe(true);
    expect(spec.argv[3]).toBe(process.execPath);
    expect(spec.argv.at(-1)).toBe("{connection_file}");
    const entry = spec.argv.at(-2) as string;
    expect(path.isAbsolute(entry) && entry.endsWith(path.join("dist", "kernel", "main.js")) && existsSync(entry)).toBe(true);
    for (const size of [32, 64]) {
      const png = readFileSync(path.join(dir, `logo-${size}x${size}.png`));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
    }
  });

  it("installs per user by default, into the Jupyter data dir", () => {
    const dataDir = tmp("data");
    expect(run(["install"], { JUPYTER_DATA_DIR: dataDir }).status).toBe(0);
    expect(existsSync(path.join(dataDir, "kernels", "parallab", "kernel.json"))).toBe(true);
    const removed = run(["uninstall"], { JUPYTER_DATA_DIR: dataDir });
    expect(removed.stdout).toContain("Removed");
    expect(existsSync(path.join(dataDir, "kernels", "parallab"))).toBe(false);
  });

  it("refuses two locations at once and says why", () => {
    const result = run(["install", "--user", "--prefix", tmp("both")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("choose one of --user, --sys-prefix and --prefix DIR");
  });

  it("says so when there is nothing to uninstall", () => {
    const result = run(["uninstall", "--prefix", tmp("empty")]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("nothing to remove");
  });
});

describe("the kernel entry point", () => {
  it("explains a missing or unreadable connection file", () => {
    const none = spawnSync(process.execPath, ["dist/kernel/main.js"], { encoding: "utf8" });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("usage: node dist/kernel/main.js CONNECTION_FILE");
    const missing = spawnSync(process.execPath, ["dist/kernel/main.js", "/nonexistent/connection.json"], { encoding: "utf8" });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the connection file \/nonexistent\/connection\.json/);
  });
});
