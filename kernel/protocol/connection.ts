import { readFileSync } from "node:fs";

/** The connection file Jupyter writes for a kernel (see jupyter_client's connect.py). */
export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  control_port: number;
  iopub_port: number;
  stdin_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

export function readConnectionFile(path: string): ConnectionInfo {
  let info: ConnectionInfo;
  try {
    info = JSON.parse(readFileSync(path, "utf8")) as ConnectionInfo;
  } catch (err) {
    throw new Error(`cannot read the connection file ${path}: ${(err as Error).message}`);
  }
  for (const port of ["shell_port", "control_port", "iopub_port", "stdin_port", "hb_port"] as const) {
    if (typeof info[port] !== "number") throw new Error(`connection file ${path} has no ${port}`);
  }
  info.transport ??= "tcp";
  info.signature_scheme ??= "hmac-sha256";
  info.key ??= "";
  return info;
}

export function endpoint(info: ConnectionInfo, port: number): string {
  // ipc endpoints are "<ip>-<port>" files, as in jupyter_client.
  return info.transport === "ipc" ? `ipc://${info.ip}-${port}` : `tcp://${info.ip}:${port}`;
}
