// Jupyter's environment for a test that runs Debian's Python Jupyter tools against the kernel:
// the parallab kernelspec installed into a prefix of its own under `root`, and the variables
// that keep jupyter_client to it.
import { execFileSync } from "node:child_process";
import path from "node:path";

/** Debian's Python: the python3 first on PATH may have no Jupyter. */
export const PYTHON = "/usr/bin/python3";

export function installedJupyterEnv(root: string): { prefix: string; env: NodeJS.ProcessEnv } {
  const prefix = path.join(root, "prefix");
  execFileSync(process.execPath, ["dist/cli/parallab.js", "install", "--prefix", prefix]);
  const env = {
    ...process.env,
    JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
    JUPYTER_DATA_DIR: path.join(root, "data"),
    JUPYTER_RUNTIME_DIR: path.join(root, "runtime"),
    // jupyter_core also searches Python's user base (~/.local/share/jupyter), where
    // `parallab install --user` puts the kernelspec: keep Jupyter to the prefix above.
    PYTHONNOUSERSITE: "1",
  };
  return { prefix, env };
}
