// anthropic.mjs: Nexus end-to-end checks with the official Anthropic Node SDK
// against Nexus's inbound Messages API (POST /v1/messages).
//
//   NEXUS_URL=http://127.0.0.1:8000 NEXUS_CLIENT_KEY=... node anthropic.mjs
//
// Expects the backends that e2e_sdk_test.go sets up: llama-e2e on a local
// OpenAI-compatible server ("local"), claude-e2e on Anthropic ("claude"),
// gemini-e2e on Gemini ("gemini"), gpt-offline on an unhealthy cloud backend.

import Anthropic from '@anthropic-ai/sdk';
import { assert, check, env, expectError, finish, Skip, weather } from './lib.mjs';

const baseURL = env('NEXUS_URL');
const apiKey = env('NEXUS_CLIENT_KEY');

// Retries off: every answer checked is the first one Nexus gave.
const client = new Anthropic({ baseURL, apiKey, maxRetries: 0, timeout: 20_000 });

const weatherTool = { name: weather.name, description: weather.description, input_schema: weather.parameters };

await check('messages.create non-streaming on an OpenAI-compatible backend', async () => {
  const { data: msg, response } = await client.messages
    .create({
      model: 'llama-e2e',
      max_tokens: 64,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'ping' }],
    })
    .withResponse();
  assert.equal(msg.type, 'message');
  assert.equal(msg.role, 'assistant');
  assert.equal(msg.content.length, 1);
  assert.equal(msg.content[0].type, 'text');
  assert.equal(msg.content[0].text, 'local says: ping');
  assert.equal(msg.stop_reason, 'end_turn');
  assert.equal(msg.usage.input_tokens, 12);
  assert.equal(msg.usage.output_tokens, 4);
  assert.equal(response.headers.get('x-nexus-backend'), 'local');
  assert.equal(response.headers.get('x-nexus-backend-type'), 'local');
  return `text=${JSON.stringify(msg.content[0].text)} usage=${JSON.stringify(msg.usage)}`;
});

// toolStream runs messages.stream with the weather tool and returns the final
// message and how many input_json fragments the SDK saw.
async function toolStream(model) {
  const stream = client.messages.stream({
    model,
    max_tokens: 256,
    tools: [weatherTool],
    messages: [{ role: 'user', content: 'What is the weather?' }],
  });
  let jsonFragments = 0;
  stream.on('inputJson', () => jsonFragments++);
  const msg = await stream.finalMessage();
  return { msg, jsonFragments };
}

await check('messages.stream tool_use from an OpenAI-compatible backend (translated)', async () => {
  const { msg, jsonFragments } = await toolStream('llama-e2e');
  assert.equal(msg.stop_reason, 'tool_use');
  const uses = msg.content.filter((b) => b.type === 'tool_use');
  assert.equal(uses.length, 1, `one tool_use block: ${JSON.stringify(msg.content)}`);
  assert.equal(uses[0].name, 'get_weather');
  assert.ok(uses[0].id, 'tool_use has an id');
  assert.deepEqual(uses[0].input, { location: 'Paris', unit: 'celsius' });
  assert.ok(jsonFragments >= 2, `input arrived in fragments (${jsonFragments})`);
  return `get_weather(${JSON.stringify(uses[0].input)}) from ${jsonFragments} input_json fragments`;
});

await check('messages.stream tool_use from an Anthropic backend (passthrough)', async () => {
  const { msg, jsonFragments } = await toolStream('claude-e2e');
  assert.equal(msg.stop_reason, 'tool_use');
  assert.equal(msg.content[0].type, 'text');
  assert.equal(msg.content[0].text, 'Let me check the weather.');
  const uses = msg.content.filter((b) => b.type === 'tool_use');
  assert.equal(uses.length, 1);
  assert.equal(uses[0].name, 'get_weather');
  assert.deepEqual(uses[0].input, { location: 'San Francisco, CA', unit: 'fahrenheit' });
  assert.equal(msg.usage.output_tokens, 89);
  return `get_weather(${JSON.stringify(uses[0].input)}) from ${jsonFragments} input_json fragments`;
});

await check('tool_result round trip reaches an OpenAI-compatible backend as a tool message', async () => {
  const msg = await client.messages.create({
    model: 'llama-e2e',
    max_tokens: 64,
    tools: [weatherTool],
    messages: [
      { role: 'user', content: 'What is the weather in Paris?' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_e2e_rt', name: 'get_weather', input: { location: 'Paris' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_e2e_rt', content: '18C and sunny' }] },
    ],
  });
  assert.equal(msg.content[0].type, 'text');
  assert.equal(msg.content[0].text, 'tool toolu_e2e_rt said 18C and sunny');
  return `text=${JSON.stringify(msg.content[0].text)}`;
});

// The order of events a Messages stream with one text block must follow.
const textStreamShape =
  /^message_start content_block_start( content_block_delta)+ content_block_stop message_delta message_stop$/;

for (const [model, want] of [
  ['llama-e2e', 'Hello, world!'],
  ['gemini-e2e', 'Gemini streams text'],
]) {
  await check(`messages.stream text events in order (${model})`, async () => {
    const stream = client.messages.stream({
      model,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'stream please' }],
    });
    const types = [];
    let text = '';
    stream.on('streamEvent', (ev) => {
      if (ev.type !== 'ping') types.push(ev.type);
    });
    stream.on('text', (delta) => (text += delta));
    const msg = await stream.finalMessage();
    const shape = types.join(' ');
    assert.match(shape, textStreamShape);
    assert.equal(text, want);
    assert.equal(msg.content.length, 1);
    assert.equal(msg.content[0].text, want);
    assert.equal(msg.stop_reason, 'end_turn');
    return `${types.length} events, text=${JSON.stringify(text)}`;
  });
}

// countTokens answers input_tokens; it is reported as SKIP when Nexus does
// not implement POST /v1/messages/count_tokens (404/405/501).
async function countTokens(model) {
  try {
    return await client.messages
      .countTokens({ model, system: 'Be brief.', messages: [{ role: 'user', content: 'How many tokens is this?' }] })
      .withResponse();
  } catch (err) {
    const stub =
      err instanceof Anthropic.APIError &&
      (err.status === 405 || err.status === 501 || (err.status === 404 && /unknown endpoint|not implemented/i.test(err.message)));
    if (stub) throw new Skip(`POST /v1/messages/count_tokens is not implemented yet (${err.message})`);
    throw err;
  }
}

await check('messages.countTokens estimate for a non-Anthropic backend', async () => {
  const { data, response } = await countTokens('llama-e2e');
  assert.ok(Number.isInteger(data.input_tokens) && data.input_tokens > 0, `input_tokens=${data.input_tokens}`);
  assert.equal(response.headers.get('x-nexus-token-count'), 'estimate');
  return `input_tokens=${data.input_tokens} (estimate)`;
});

await check('messages.countTokens relayed from an Anthropic backend', async () => {
  const { data, response } = await countTokens('claude-e2e');
  assert.equal(data.input_tokens, 42);
  assert.equal(response.headers.get('x-nexus-token-count'), 'exact');
  assert.equal(response.headers.get('x-nexus-backend'), 'claude');
  return `input_tokens=${data.input_tokens} (exact)`;
});

await check('missing model raises NotFoundError', async () => {
  const err = await expectError(
    () => client.messages.create({ model: 'no-such-model', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    Anthropic.NotFoundError,
  );
  assert.equal(err.status, 404);
  assert.equal(err.error?.type, 'error');
  assert.equal(err.error?.error?.type, 'not_found_error');
  return err.message;
});

await check('503 raises InternalServerError with the context object', async () => {
  const err = await expectError(
    () => client.messages.create({ model: 'gpt-offline', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    Anthropic.InternalServerError,
  );
  assert.equal(err.status, 503);
  const ctx = err.error?.context;
  assert.ok(ctx && typeof ctx === 'object', `context on err.error: ${JSON.stringify(err.error)}`);
  assert.ok(Array.isArray(ctx.available_backends));
  assert.ok(ctx.eta_seconds > 0);
  return `context=${JSON.stringify(ctx)}`;
});

await check('bad client key raises AuthenticationError', async () => {
  const bad = new Anthropic({ baseURL, apiKey: 'not-the-key', maxRetries: 0 });
  const err = await expectError(
    () => bad.messages.create({ model: 'llama-e2e', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    Anthropic.AuthenticationError,
  );
  assert.equal(err.status, 401);
  assert.equal(err.error?.error?.type, 'authentication_error');
  return err.message;
});

finish('anthropic.mjs');
