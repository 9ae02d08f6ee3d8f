import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/config/paths.js';
import { NODE_V8_FLAGS } from '../../src/runtime/node-flags.js';

export interface ProcessorProcess {
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>;
}

// A failed test must never leave a processor running (it would keep the test file alive).
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `lifelong run` as a real child process (from the TypeScript sources), with the V8 flags it ships with. */
export function startProcessor(args: readonly string[], logFile: string, env: NodeJS.ProcessEnv = {}): ProcessorProcess {
  const root = packageRoot();
  const child = spawn(process.execPath, [...NODE_V8_FLAGS, '--import', 'tsx', join(root, 'src/cli/main.ts'), 'run', ...args], {
    cwd: root,
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  running.add(child);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  return { child, logFile, exited };
}

export async function stopWithin(processor: ProcessorProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<number | string> {
  processor.child.kill(signal);
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`processor did not exit within ${timeoutMs} ms after ${signal}; log: ${processor.logFile}`)), timeoutMs).unref());
  return Promise.race([processor.exited, timeout]);
}
