// The tracker's suite (test/tracker/suite.ts) on a real PostgreSQL 15 server started for this
// file (test/helpers/postgres.ts), a database per test; and the errors for a PARALLAB_DB that
// names a bad URL, a server that is not there or a database that does not exist.
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evidenceOf } from "../tracker/evidence.js";
import { openTracker } from "../tracker/store.js";
import { startKernel, type TestKernel } from "./helpers/kernel.js";
import { solvedUpTo } from "./helpers/course.js";
import { startPostgres, type PgServer } from "./helpers/postgres.js";
import { cli, trackerSuite } from "./tracker/suite.js";

let server: PgServer;
let kernel: TestKernel | undefined;
beforeAll(async () => {
  server = await startPostgres();
}, 180_000);
afterAll(async () => {
  await kernel?.stop();
  await server?.stop();
});

trackerSuite({
  dialect: "postgres",
  database: (name) => server.createDatabase(name),
  async databaseAt(name, migrationsFolder) {
    const url = await server.createDatabase(name);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.end();
    }
    return url;
  },
  async execute(url, statements) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("begin");
      for (const s of statements) await client.query(s);
      await client.query("commit");
    } finally {
      await client.end();
    }
  },
  async appliedMigrations(url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ n: number }>("select count(*)::int n from drizzle.__drizzle_migrations")).rows[0]!.n;
    } finally {
      await client.end();
    }
  },
});

describe("a PARALLAB_DB that cannot be used", () => {
  const noStack = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

  it("says so for a server that is not there, with what to do", () => {
    const r = cli(["goal", "list"], { PARALLAB_DB: `postgres://parallab:s3cret@127.0.0.1:1/tracker` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^parallab: cannot reach the PostgreSQL database postgres:\/\/parallab:\*\*\*@127\.0\.0\.1:1\/tracker \(.*ECONNREFUSED.*\): start the server, or correct the host and port in PARALLAB_DB \(postgres:\/\/USER:PASSWORD@HOST:PORT\/DATABASE\), or unset PARALLAB_DB to use the embedded SQLite database\n$/,
    );
    expect(r.stderr).not.toContain("s3cret");
    noStack(r.stderr);
  });

  it("says so for a URL that is not one", () => {
    const r = cli(["goal", "list"], { PARALLAB_DB: "postgres://parallab:s3cret@127.0.0.1:99999/tracker" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^parallab: PARALLAB_DB is not a valid PostgreSQL URL \(postgres:\/\/…\): write it as postgres:\/\/USER:PASSWORD@HOST:PORT\/DATABASE/);
    expect(r.stderr).not.toContain("s3cret");
    noStack(r.stderr);
    expect(cli(["goal", "list"], { PARALLAB_DB: "postgres://" }).stderr).toMatch(/^parallab: PARALLAB_DB names no server/);
  });

  it("says so for a database that does not exist", () => {
    const r = cli(["goal", "list"], { PARALLAB_DB: server.url("no_such_db") });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^parallab: the PostgreSQL database postgres:\/\/parallab@127\.0\.0\.1:\d+\/no_such_db does not exist \(.*\): create it \(createdb NAME\)/);
    noStack(r.stderr);
  });

  it("says so when the server went away after the store opened", async () => {
    const other = await startPostgres();
    let store;
    try {
      store = await openTracker(await other.createDatabase("gone"));
      expect(await evidenceOf(store, "ada")).toEqual([]);
    } finally {
      await other.stop();
    }
    await expect(evidenceOf(store, "ada")).rejects.toThrow(/^cannot reach the PostgreSQL database postgres:\/\/parallab@127\.0\.0\.1:\d+\/gone \(.*\): start the server/);
    await store.close();
  }, 120_000);

  it("in the kernel: %%check still runs and says it recorded nothing, %skills says why", async () => {
    kernel = await startKernel({ env: { PARALLAB_DB: "postgres://parallab@127.0.0.1:1/tracker", PARALLAB_LEARNER: "grace" } });
    const welcome = solvedUpTo("00-welcome", "00-welcome.measure");
    for (const cell of welcome.before) expect((await kernel.client.execute(cell, { timeoutMs: 120_000 })).reply.content).toMatchObject({ status: "ok" });
    const passed = await kernel.client.execute(welcome.check, { timeoutMs: 120_000 });
    expect(passed.reply.content).toMatchObject({ status: "ok" });
    const shown = passed.outputs
      .filter((m) => m.header.msg_type === "display_data")
      .map((m) => m.content as { data: Record<string, unknown> })
      .find((c) => c.data["application/vnd.parallab.check+json"])!;
    expect(shown.data["text/plain"]).toMatch(
      /^✓ check 00-welcome\.measure passed: counts toward Benchmarking and optimisation \(know\); not recorded: cannot reach the PostgreSQL database postgres:\/\/parallab@127\.0\.0\.1:1\/tracker \(.*\): start the server/,
    );
    const skills = await kernel.client.execute("%skills");
    expect(skills.reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect((skills.reply.content as { evalue: string }).evalue).toMatch(/^%skills: cannot reach the PostgreSQL database/);
  });
});
