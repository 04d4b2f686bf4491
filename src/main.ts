/**
 * The composition root: turns a command line into running parts. The only module that wires
 * config, store, server and reaper together; nothing here runs at import time.
 */
import type { FastifyInstance } from 'fastify';
import { isClientCommand, runClientCommand } from './cli/commands/index.ts';
import { usage, version } from './cli/usage.ts';
import {
  ConfigError,
  loadServerConfig,
  parseFlags,
  SERVER_FLAGS,
  type ServerConfig,
  serverConfigFrom,
} from './config.ts';
import { type Clock, systemClock } from './orchestrator/clock.ts';
import { Reaper } from './orchestrator/reaper.ts';
import { buildServer } from './orchestrator/server.ts';
import { SqliteStore } from './orchestrator/store/sqlite/sqlite-store.ts';
import { createWorker } from './worker/start-worker.ts';
import type { Worker } from './worker/worker.ts';
import {
  loadWorkerConfig,
  parseWorkerArgs,
  WORKER_FLAGS,
  type WorkerConfig,
} from './worker/worker-config.ts';

const SHUTDOWN_GRACE_MS = 2_000;

export interface RunningOrchestrator {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startOrchestrator(
  config: ServerConfig,
  clock: Clock = systemClock,
): Promise<RunningOrchestrator> {
  const store = new SqliteStore({
    path: config.dbPath,
    clock,
    defaultLeaseMs: config.leaseMs,
    synchronous: config.synchronous,
  });
  const app = buildServer({
    store,
    clock,
    token: config.token,
    defaultLeaseMs: config.leaseMs,
    bodyLimit: config.bodyLimit,
    logger: { level: 'warn' },
  });
  const reaper = new Reaper({
    store,
    now: () => clock.now(),
    onReaped: (job) => app.log.warn({ job_id: job.id, status: job.status }, 'lease expired'),
    onError: (error) => app.log.error({ err: error }, 'reaper pass failed'),
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await store.close();
    throw error;
  }
  reaper.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    app,
    async close() {
      reaper.stop();
      // In-flight requests get a moment to finish; then sockets that never sent a request (or
      // hold a stalled one) are cut, so a stop never waits on a client.
      const cut = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearTimeout(cut);
        await store.close();
      }
    },
  };
}

/** Runs `stop` on the first SIGINT or SIGTERM, then exits; a second signal exits at once. */
function stopOnSignal(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      process.stdout.write(`Received ${signal} again; exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`Received ${signal}; stopping\n`);
    stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

async function serve(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadServerConfig(args, env);
  const orchestrator = await startOrchestrator(config);
  process.stdout.write(`Baton orchestrator listening on ${orchestrator.url} (database ${config.dbPath})\n`);
  stopOnSignal(() => orchestrator.close());
}

const say = (line: string) => process.stdout.write(`${line}\n`);

function announceWorker(config: WorkerConfig): void {
  say(
    `Baton worker ${config.workerId} polling ${config.url} (type ${config.workerType}, ` +
      `${config.concurrency} slots, agent ${config.agent}, worktrees ${config.worktrees})`,
  );
}

async function work(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadWorkerConfig(parseWorkerArgs(args), env);
  const worker = createWorker(config, say);
  worker.start();
  announceWorker(config);
  stopOnSignal(() => worker.stop(config.graceMs));
}

/** `baton up`: the orchestrator and one worker in one process, for one machine. */
async function up(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { url: _url, ...workerFlags } = WORKER_FLAGS;
  const flags = parseFlags(args, { ...SERVER_FLAGS, ...workerFlags });
  const serverConfig = serverConfigFrom(flags, env);
  const orchestrator = await startOrchestrator(serverConfig);
  let workerConfig: WorkerConfig;
  let worker: Worker;
  try {
    // The worker talks to this orchestrator, with its token.
    workerConfig = loadWorkerConfig({ ...flags, url: orchestrator.url, token: serverConfig.token }, env);
    worker = createWorker(workerConfig, say);
  } catch (error) {
    await orchestrator.close();
    throw error;
  }
  worker.start();
  say(`Baton orchestrator listening on ${orchestrator.url} (database ${serverConfig.dbPath})`);
  announceWorker(workerConfig);
  stopOnSignal(async () => {
    await worker.stop(workerConfig.graceMs);
    await orchestrator.close();
  });
}

/** Entry point of the `baton` command. Returns the process exit code for commands that finish. */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (command !== undefined && isClientCommand(command)) {
    // Client commands report their own failures (one line, exit 1 or 2); see cli/commands/index.ts.
    return runClientCommand(command, rest, env, {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      colour: process.stdout.isTTY === true && !env.NO_COLOR,
    });
  }
  try {
    switch (command) {
      case 'server':
        await serve(rest, env);
        return undefined;
      case 'up':
        await up(rest, env);
        return undefined;
      case 'worker':
        await work(rest, env);
        return undefined;
      case '--version':
      case 'version':
        process.stdout.write(`${version()}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(usage());
        return 0;
      default:
        process.stderr.write(`baton: unknown command '${command}'\n\n${usage()}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`baton: ${error.message}\n`);
      return 2;
    }
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      process.stderr.write(`baton: cannot listen: ${(error as Error).message}\n`);
      return 1;
    }
    // Anything else that stops a start (a database written by a newer Baton, an unreadable file)
    // is reported as one line, not a stack trace.
    process.stderr.write(`baton: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
