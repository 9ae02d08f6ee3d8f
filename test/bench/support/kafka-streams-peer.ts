import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot, schemasDir } from '../../../src/config/paths.js';

const PROJECT = join(packageRoot(), 'test/bench/kafka-streams-peer');
const CLASSPATH_FILE = join(PROJECT, 'target/classpath.txt');
/** Hash of the sources the last successful build was made from. */
const STAMP_FILE = join(PROJECT, 'target/build.stamp');
/** The peer's Maven repository stays with the other git-ignored downloads. */
const MAVEN_REPO = join(packageRoot(), '.cache/maven');

/** The pom and every file under src/, hashed: a build of these is reused as it is. */
function sourcesHash(): string {
  const hash = createHash('sha256').update(readFileSync(join(PROJECT, 'pom.xml')));
  const files = (readdirSync(join(PROJECT, 'src'), { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) hash.update(file.slice(PROJECT.length)).update('\0').update(readFileSync(file));
  return hash.digest('hex');
}

function classpath(): string {
  return `${join(PROJECT, 'target/classes')}:${readFileSync(CLASSPATH_FILE, 'utf8').trim()}`;
}

/** The last build is current: same sources, its classes and every jar of its classpath still there. */
function builtFrom(hash: string): boolean {
  if (!existsSync(STAMP_FILE) || readFileSync(STAMP_FILE, 'utf8').trim() !== hash || !existsSync(CLASSPATH_FILE)) return false;
  return classpath().split(':').every((entry) => existsSync(entry));
}

/**
 * Compiles the Kafka Streams peer and returns its classpath: nothing to do when the
 * sources have not changed since the last build (target/build.stamp), else offline when
 * the Maven cache already has everything, else online (Maven Central).
 */
export function buildPeer(): { classpath: string; cached: boolean } {
  const hash = sourcesHash();
  if (builtFrom(hash)) return { classpath: classpath(), cached: true };
  const args = ['-q', '-B', `-Dmaven.repo.local=${MAVEN_REPO}`, '-f', join(PROJECT, 'pom.xml'), 'compile', 'dependency:build-classpath', `-Dmdep.outputFile=${CLASSPATH_FILE}`];
  // Offline first only when the Maven cache has been filled before (else it cannot succeed).
  const offline = existsSync(MAVEN_REPO) ? spawnSync('mvn', ['-o', ...args], { encoding: 'utf8' }) : undefined;
  if (offline?.status !== 0) {
    const online = spawnSync('mvn', args, { encoding: 'utf8' });
    if (online.status !== 0) throw new Error(`bench: building the Kafka Streams peer failed:\n${online.stdout}${online.stderr}`);
  }
  if (!existsSync(CLASSPATH_FILE)) throw new Error(`bench: maven wrote no classpath to ${CLASSPATH_FILE}`);
  writeFileSync(STAMP_FILE, hash + '\n');
  return { classpath: classpath(), cached: false };
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
