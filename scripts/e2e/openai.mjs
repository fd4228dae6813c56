// openai.mjs: Nexus end-to-end checks with the official OpenAI Node SDK.
//
//   NEXUS_URL=http://127.0.0.1:8000 NEXUS_CLIENT_KEY=... node openai.mjs
//
// Expects the backends that e2e_sdk_test.go sets up: llama-e2e / embed-e2e on
// a local OpenAI-compatible server ("local"), claude-e2e on Anthropic
// ("claude"), gemini-e2e / gemini-embed-e2e on Gemini ("gemini"),
// gpt-offline on an unhealthy cloud backend, and the alias fast -> llama-e2e.

import OpenAI from 'openai';
import { assert, check, env, expectError, finish, Warn, weather } from './lib.mjs';

const baseURL = env('NEXUS_URL') + '/v1';
const apiKey = env('NEXUS_CLIENT_KEY');

// Retries off: every answer checked is the first one Nexus gave.
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 20_000 });

const weatherTool = { type: 'function', function: weather };

await check('chat non-streaming on a local OpenAI-compatible backend', async () => {
  const { data, response } = await client.chat.completions
    .create({ model: 'llama-e2e', messages: [{ role: 'user', content: 'ping' }] })
    .withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.choices[0].message.content, 'local says: ping');
  assert.equal(data.choices[0].finish_reason, 'stop');
  assert.equal(data.usage.total_tokens, 16);
  const h = response.headers;
  assert.equal(h.get('x-nexus-backend'), 'local');
  assert.equal(h.get('x-nexus-backend-type'), 'local');
  assert.equal(h.get('x-nexus-route-reason'), 'capability-match');
  assert.equal(h.get('x-nexus-privacy-zone'), 'restricted');
  assert.ok(h.get('x-request-id'), 'X-Request-Id is echoed');
  assert.equal(h.get('x-nexus-cost-estimated'), null, 'no cost header for a local backend');
  return `content=${JSON.stringify(data.choices[0].message.content)} backend=${h.get('x-nexus-backend')}`;
});

await check('chat via alias resolves to its target', async () => {
  const { data, response } = await client.chat.completions
    .create({ model: 'fast', messages: [{ role: 'user', content: 'alias' }] })
    .withResponse();
  assert.equal(data.choices[0].message.content, 'local says: alias');
  assert.equal(response.headers.get('x-nexus-backend'), 'local');
  return 'fast -> llama-e2e';
});

await check('chat streaming text assembled (local)', async () => {
  const stream = await client.chat.completions.create({
    model: 'llama-e2e',
    messages: [{ role: 'user', content: 'stream please' }],
    stream: true,
  });
  let text = '';
  let finish_reason = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    const c = chunk.choices[0];
    if (!c) continue;
    text += c.delta?.content ?? '';
    finish_reason = c.finish_reason ?? finish_reason;
  }
  assert.equal(text, 'Hello, world!');
  assert.equal(finish_reason, 'stop');
  return `${chunks} chunks, text=${JSON.stringify(text)}`;
});

await check('streamed tool call from an Anthropic backend (SDK stream helper)', async () => {
  const stream = client.chat.completions.stream({
    model: 'claude-e2e',
    messages: [{ role: 'user', content: 'What is the weather in San Francisco?' }],
    tools: [weatherTool],
    max_tokens: 256,
  });
  let argDeltas = 0;
  stream.on('tool_calls.function.arguments.delta', () => argDeltas++);
  const completion = await stream.finalChatCompletion();
  const choice = completion.choices[0];
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.content, 'Let me check the weather.');
  const calls = choice.message.tool_calls;
  assert.equal(calls?.length, 1, 'exactly one tool call');
  assert.equal(calls[0].type, 'function');
  assert.equal(calls[0].function.name, 'get_weather');
  assert.ok(calls[0].id, 'tool call has an id');
  assert.deepEqual(JSON.parse(calls[0].function.arguments), { location: 'San Francisco, CA', unit: 'fahrenheit' });
  assert.ok(argDeltas >= 2, `arguments arrived in fragments (${argDeltas} deltas)`);
  return `get_weather(${calls[0].function.arguments}) from ${argDeltas} argument deltas`;
});

await check('chat non-streaming on an Anthropic backend (cost header)', async () => {
  const { data, response } = await client.chat.completions
    .create({ model: 'claude-e2e', messages: [{ role: 'user', content: 'hello claude' }], max_tokens: 32 })
    .withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.choices[0].message.content, 'Claude answers');
  assert.equal(data.choices[0].finish_reason, 'stop');
  assert.deepEqual(
    [data.usage.prompt_tokens, data.usage.completion_tokens, data.usage.total_tokens],
    [10, 2, 12],
  );
  const h = response.headers;
  assert.equal(h.get('x-nexus-backend'), 'claude');
  assert.equal(h.get('x-nexus-backend-type'), 'cloud');
  assert.equal(h.get('x-nexus-privacy-zone'), 'open');
  // (10 * $3 + 2 * $15) per million tokens = $0.00006
  assert.equal(h.get('x-nexus-cost-estimated'), '0.0001');
  return `content=${JSON.stringify(data.choices[0].message.content)} cost=${h.get('x-nexus-cost-estimated')}`;
});

await check('chat streaming from an Anthropic backend with include_usage', async () => {
  const { data: stream, response } = await client.chat.completions
    .create({
      model: 'claude-e2e',
      messages: [{ role: 'user', content: 'stream claude' }],
      max_tokens: 32,
      stream: true,
      stream_options: { include_usage: true },
    })
    .withResponse();
  // Input side only, from message_start: 472 * $3 per million tokens.
  assert.equal(response.headers.get('x-nexus-cost-estimated'), '0.0014');
  let text = '';
  let finish_reason = null;
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const c = chunk.choices[0];
    if (!c) continue;
    text += c.delta?.content ?? '';
    finish_reason = c.finish_reason ?? finish_reason;
  }
  assert.equal(text, 'Claude streams');
  assert.equal(finish_reason, 'stop');
  assert.ok(usage, 'a final usage chunk arrived');
  assert.deepEqual([usage.prompt_tokens, usage.completion_tokens, usage.total_tokens], [472, 3, 475]);
  return `text=${JSON.stringify(text)} usage=${JSON.stringify(usage)}`;
});

await check('streamed tool call from a Gemini backend (SDK stream helper)', async () => {
  const stream = client.chat.completions.stream({
    model: 'gemini-e2e',
    messages: [{ role: 'user', content: 'Weather in Tokyo?' }],
    tools: [weatherTool],
  });
  const completion = await stream.finalChatCompletion();
  const choice = completion.choices[0];
  assert.equal(choice.finish_reason, 'tool_calls');
  const calls = choice.message.tool_calls;
  assert.equal(calls?.length, 1, 'exactly one tool call');
  assert.equal(calls[0].function.name, 'get_weather');
  assert.ok(calls[0].id, 'tool call has an id');
  assert.deepEqual(JSON.parse(calls[0].function.arguments), { location: 'Tokyo', unit: 'celsius' });
  return `get_weather(${calls[0].function.arguments})`;
});

await check('streamed Gemini answer', async () => {
  const { data: stream, response } = await client.chat.completions
    .create({ model: 'gemini-e2e', messages: [{ role: 'user', content: 'hi gemini' }], stream: true })
    .withResponse();
  assert.equal(response.headers.get('x-nexus-backend'), 'gemini');
  assert.equal(response.headers.get('x-nexus-backend-type'), 'cloud');
  let text = '';
  let finish_reason = null;
  for await (const chunk of stream) {
    const c = chunk.choices[0];
    if (!c) continue;
    text += c.delta?.content ?? '';
    finish_reason = c.finish_reason ?? finish_reason;
  }
  assert.equal(text, 'Gemini streams text');
  assert.equal(finish_reason, 'stop');
  return `text=${JSON.stringify(text)}`;
});

// Float32 equality: the SDK decodes base64 float32 vectors.
const f32 = (xs) => Array.from(new Float32Array(xs));

await check('embeddings through a Gemini backend (SDK default base64)', async () => {
  const { data, response } = await client.embeddings
    .create({ model: 'gemini-embed-e2e', input: ['first', 'second'] })
    .withResponse();
  assert.equal(response.headers.get('x-nexus-backend'), 'gemini');
  assert.equal(data.object, 'list');
  assert.equal(data.data.length, 2);
  assert.deepEqual(data.data.map((d) => d.index), [0, 1]);
  assert.deepEqual(data.data[0].embedding, f32([0.5, -0.25, 0.125]));
  assert.deepEqual(data.data[1].embedding, f32([1, 2, 3]));
  return `2 vectors, first=${JSON.stringify(data.data[0].embedding)}`;
});

await check('embeddings through a local backend (base64 passed through)', async () => {
  const { data, response } = await client.embeddings
    .create({ model: 'embed-e2e', input: 'x' })
    .withResponse();
  assert.equal(response.headers.get('x-nexus-backend'), 'local');
  assert.deepEqual(data.data[0].embedding, f32([0.25, -0.5, 1]));
  return `first=${JSON.stringify(data.data[0].embedding)}`;
});

await check('models.list', async () => {
  const ids = [];
  for await (const m of client.models.list()) {
    assert.equal(m.object, 'model');
    ids.push(m.id);
  }
  for (const want of ['llama-e2e', 'embed-e2e', 'claude-e2e', 'gemini-e2e', 'gemini-embed-e2e', 'fast']) {
    assert.ok(ids.includes(want), `models.list has ${want}: ${ids}`);
  }
  assert.ok(!ids.includes('gpt-offline'), 'models of an unhealthy backend are not listed');
  assert.equal(new Set(ids).size, ids.length, 'one entry per id');
  const one = await client.models.retrieve('claude-e2e');
  assert.equal(one.id, 'claude-e2e');
  return ids.join(',');
});

await check('unknown model raises NotFoundError (404)', async () => {
  const err = await expectError(
    () => client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    OpenAI.NotFoundError,
  );
  assert.equal(err.status, 404);
  assert.equal(err.code, 'model_not_found');
  assert.equal(err.headers.get('x-nexus-backend'), 'none');
  return err.message;
});

await check('503 raises with the context object', async () => {
  // The SDK's APIError keeps only the body's "error" member; capture the raw
  // body too, to tell "Nexus did not send it" from "the SDK cannot show it".
  let rawBody = null;
  const spy = new OpenAI({
    baseURL,
    apiKey,
    maxRetries: 0,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      if (!res.ok) rawBody = await res.clone().text();
      return res;
    },
  });
  const err = await expectError(
    () => spy.chat.completions.create({ model: 'gpt-offline', messages: [{ role: 'user', content: 'x' }] }),
    OpenAI.InternalServerError,
  );
  assert.equal(err.status, 503);
  assert.equal(err.type, 'service_unavailable');
  assert.equal(err.code, 'no_available_backend');
  assert.equal(err.headers.get('x-nexus-backend'), 'none');
  assert.ok(Number(err.headers.get('retry-after')) > 0, 'Retry-After is set');
  const validate = (ctx, where) => {
    assert.ok(ctx && typeof ctx === 'object', `context object ${where}`);
    assert.equal(typeof ctx.required_tier, 'number');
    assert.ok(Array.isArray(ctx.available_backends));
    assert.ok(ctx.eta_seconds > 0, 'eta_seconds is known for an unhealthy backend');
  };
  // SPEC §10 puts context at the top level; Nexus repeats it inside "error"
  // because openai-node keeps only body.error on its error classes.
  validate(err.error?.context, 'at err.error.context');
  validate(JSON.parse(rawBody).context, 'at the top level of the body');
  return `err.error.context=${JSON.stringify(err.error.context)}`;
});

await check('wrong client key raises AuthenticationError (401)', async () => {
  const bad = new OpenAI({ baseURL, apiKey: 'not-the-key', maxRetries: 0 });
  const err = await expectError(
    () => bad.chat.completions.create({ model: 'llama-e2e', messages: [{ role: 'user', content: 'x' }] }),
    OpenAI.AuthenticationError,
  );
  assert.equal(err.status, 401);
  assert.equal(err.type, 'authentication_error');
  const err2 = await expectError(() => bad.models.list(), OpenAI.AuthenticationError);
  assert.equal(err2.status, 401);
  return err.message;
});

finish('openai.mjs');
