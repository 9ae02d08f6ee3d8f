import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OPTIONS } from '../../../src/config/options.js';
import { NODE_V8_FLAGS } from '../../../src/runtime/node-flags.js';
import { ENV_TO_OPTION, ROOT, obj, read } from '../../support/deploy.js';

/*
 * deploy/Dockerfile read statically (no Docker engine here): stages, base image, the
 * build steps, a non-root numeric user, what the runtime stage carries and runs. The
 * runtime stage's file layout is exercised for real by test/integration/image-layout.test.ts.
 */
const dockerfile = read('deploy', 'Dockerfile');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const stages = instructions.filter((l) => l.startsWith('FROM '));
const runtimeStart = instructions.findIndex((l) => / AS runtime$/.test(l));
const runtime = instructions.slice(runtimeStart);
const pkg = obj(JSON.parse(read('package.json')), 'package.json');

describe('deploy/Dockerfile', () => {
  test('is multi-stage on node:20-slim, the runtime stage last', () => {
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:20-slim$/m);
    assert.ok(stages.length >= 3, `${stages.length} stages`);
    for (const stage of stages) assert.match(stage, /^FROM (\$\{NODE_IMAGE\}|deps) AS \w+$/);
    assert.ok(runtimeStart > 0 && stages.at(-1)!.endsWith('AS runtime'));
  });

  test('installs with npm ci from the lockfile, compiles with tsc, prunes dev dependencies', () => {
    const build = instructions.slice(0, runtimeStart).join('\n');
    assert.match(build, /COPY package\.json package-lock\.json \.\//);
    assert.match(build, /RUN npm ci /);
    assert.match(build, /npx tsc -p tsconfig\.json/);
    assert.match(build, /npm prune --omit=dev/);
    assert.ok(build.indexOf('npm ci') < build.indexOf('tsc -p') && build.indexOf('tsc -p') < build.indexOf('npm prune'));
  });

  test('tries tfjs-node, an optional dependency, and builds on without it', () => {
    assert.ok(obj(pkg['optionalDependencies'], 'optionalDependencies')['@tensorflow/tfjs-node'], 'tfjs-node is optional in package.json');
    assert.match(dockerfile, /npm rebuild @tensorflow\/tfjs-node/);
    assert.match(dockerfile, /rm -rf node_modules\/@tensorflow\/tfjs-node/, 'falls back when it cannot install');
  });

  test('runs as a non-root numeric user, with only what it needs', () => {
    const user = runtime.find((l) => l.startsWith('USER '));
    assert.ok(user, 'USER in the runtime stage');
    const uid = Number(/^USER (\d+)/.exec(user)?.[1]);
    assert.ok(Number.isInteger(uid) && uid > 0, `numeric non-root uid, got ${user}`);
    const copies = runtime.filter((l) => l.startsWith('COPY ')).map((l) => l.split(/\s+/).at(-2)!);
    for (const needed of ['/app/package.json', '/app/node_modules', '/app/dist', '/app/schemas']) assert.ok(copies.includes(needed), `runtime copies ${needed}`);
    assert.ok(!runtime.some((l) => /apt-get|npm (ci|install)/.test(l)), 'no toolchain in the runtime stage');
  });

  test('starts `lifelong run` from the compiled CLI, which is the package bin, with the V8 flags lifelong ships with', () => {
    assert.equal(obj(pkg['bin'], 'bin')['lifelong'], 'dist/src/cli/main.js');
    assert.ok(runtime.includes(`ENTRYPOINT ${JSON.stringify(['node', ...NODE_V8_FLAGS, 'dist/src/cli/main.js'])}`.replaceAll(',', ', ')), 'the entrypoint');
    assert.equal(obj(pkg['scripts'], 'scripts')['start'], `node ${NODE_V8_FLAGS.join(' ')} dist/src/cli/main.js simulate --users 400 --days 4`, 'npm start');
    assert.ok(runtime.includes('CMD ["run"]'));
    assert.ok(existsSync(join(ROOT, 'src', 'cli', 'main.ts')));
  });

  test('listens on all interfaces on the default HTTP port, with a health check on /healthz', () => {
    const port = OPTIONS.find((o) => o.path === 'http.port')!.default;
    assert.ok(runtime.includes(`EXPOSE ${String(port)}`));
    assert.match(runtime.find((l) => l.startsWith('HEALTHCHECK'))!, /\/healthz/);
    const env = runtime.filter((l) => l.startsWith('ENV ')).join(' ');
    assert.match(env, /LIFELONG_HTTP_HOST=0\.0\.0\.0/);
    for (const [, name] of env.matchAll(/\b(LIFELONG_[A-Z0-9_]+)=/g)) assert.ok(ENV_TO_OPTION.has(name!), `${name} is an option`);
  });

  test('every path it COPYs from the context exists and is let through by Dockerfile.dockerignore', () => {
    const ignore = read('deploy', 'Dockerfile.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    assert.equal(ignore[0], '**', 'an allow-list');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/\*\*$/, ''));
    for (const line of instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
      for (const source of line.split(/\s+/).slice(1, -1)) {
        assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
        assert.ok(allowed.includes(source), `${source} is not excluded from the build context`);
      }
    }
  });
});
