// lib.mjs: a tiny check runner shared by the SDK end-to-end scripts.
//
// Each check prints one line: "ok", "SKIP", "WARN" (a known gateway
// limitation that does not fail the run unless NEXUS_E2E_STRICT=1) or
// "FAIL". The process exits non-zero when any check failed.

import assert from 'node:assert/strict';

export { assert };

// The get_weather tool every script offers, in each API's own wrapping.
export const weather = {
  name: 'get_weather',
  description: 'Current weather for a location',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['location'],
  },
};

export class Skip extends Error {}
export class Warn extends Error {}

export function env(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`FAIL setup: environment variable ${name} is not set`);
    process.exit(2);
  }
  return v;
}

const results = { ok: 0, skip: 0, warn: 0, fail: 0 };
const strict = process.env.NEXUS_E2E_STRICT === '1';

// check runs one named check; fn returns a short detail string.
export async function check(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    results.ok++;
    console.log(`ok   ${name} (${Date.now() - t0}ms)${detail ? ': ' + detail : ''}`);
  } catch (err) {
    if (err instanceof Skip) {
      results.skip++;
      console.log(`SKIP ${name}: ${err.message}`);
    } else if (err instanceof Warn && !strict) {
      results.warn++;
      console.log(`WARN ${name}: ${err.message}`);
    } else {
      results.fail++;
      console.log(`FAIL ${name}: ${err?.stack ?? err}`);
    }
  }
}

// expectError runs fn, which must throw an instance of cls, and returns it.
export async function expectError(fn, cls) {
  let got;
  try {
    await fn();
  } catch (err) {
    got = err;
  }
  if (!got) throw new Error(`expected ${cls.name}, but the call succeeded`);
  if (!(got instanceof cls)) {
    throw new Error(`expected ${cls.name}, got ${got?.constructor?.name}: ${got?.message}`);
  }
  return got;
}

// finish prints the summary and sets the exit code.
export function finish(script) {
  console.log(
    `summary ${script} - passed ${results.ok}, failed ${results.fail}, skipped ${results.skip}, warnings ${results.warn}`,
  );
  process.exitCode = results.fail > 0 ? 1 : 0;
}
