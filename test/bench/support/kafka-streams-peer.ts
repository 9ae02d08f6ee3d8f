import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot, schemasDir } from '../../../src/config/paths.js';

const PROJECT = join(packageRoot(), 'test/bench/kafka-streams-peer');
const CLASSPATH_FILE = join(PROJECT, 'target/classpath.txt');
/** The peer's Maven repository stays with the other git-ignored downloads. */
const MAVEN_REPO = join(packageRoot(), '.cache/maven');

/**
 * Compiles the Kafka Streams peer and returns its classpath: offline when the Maven
 * cache already has everything, else online (Maven Central).
 */
export function buildPeer(): string {
  const args = ['-q', '-B', `-Dmaven.repo.local=${MAVEN_REPO}`, '-f', join(PROJECT, 'pom.xml'), 'compile', 'dependency:build-classpath', `-Dmdep.outputFile=${CLASSPATH_FILE}`];
  const offline = spawnSync('mvn', ['-o', ...args], { encoding: 'utf8' });
  if (offline.status !== 0) {
    const online = spawnSync('mvn', args, { encoding: 'utf8' });
    if (online.status !== 0) throw new Error(`bench: building the Kafka Streams peer failed:\n${online.stdout}${online.stderr}`);
  }
  if (!existsSync(CLASSPATH_FILE)) throw new Error(`bench: maven wrote no classpath to ${CLASSPATH_FILE}`);
  return `${join(PROJECT, 'target/classes')}:${readFileSync(CLASSPATH_FILE, 'utf8').trim()}`;
}

/** Starts the peer (as its own JVM) on a topic; its group is `applicationId`. */
export function startPeer(classpath: string, brokers: string, topic: string, applicationId: string, logFile: string): ChildProcess {
  const stateDir = mkdtempSync(join(tmpdir(), `lifelong-bench-peer-`));
  const child = spawn('java', ['-Xmx2g', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classpath, 'lifelong.bench.SessionPeer', brokers, topic, applicationId, stateDir, join(schemasDir(), 'user-event.avsc')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  return child;
}
